using System.Text.Json;
using HesScale.Gpu;

namespace HesScale.Bench.Cases;

/// <summary>
/// Results for one case in the expected-file shape:
/// <c>{"loss":..., "device":"...", "parameters":[{"layer":L,"name":"weight","gradient":[[...]],...}]}</c>.
/// Weights are written as nested out x in arrays, biases flat; numbers use the shortest
/// round-trippable form of their precision (float or double).
/// </summary>
public sealed class CaseResult
{
    private readonly List<(string Method, Array Values)>[] _arrays;

    public CaseResult(NetworkSpec spec, double loss, string device)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(device);
        Spec = spec;
        Loss = loss;
        Device = device;
        _arrays = new List<(string, Array)>[spec.Parameters.Count];
        for (int i = 0; i < _arrays.Length; i++) _arrays[i] = [];
    }

    public NetworkSpec Spec { get; }
    public double Loss { get; }
    public string Device { get; }

    /// <summary>Adds a method's single-precision values for parameter <paramref name="parameter"/> (spec order).</summary>
    public void Add(int parameter, string method, float[] values) => AddArray(parameter, method, values, values?.Length ?? 0);

    /// <summary>Adds a method's double-precision values for parameter <paramref name="parameter"/> (spec order).</summary>
    public void Add(int parameter, string method, double[] values) => AddArray(parameter, method, values, values?.Length ?? 0);

    private void AddArray(int parameter, string method, Array values, int length)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentException.ThrowIfNullOrEmpty(method);
        if ((uint)parameter >= (uint)_arrays.Length) throw new ArgumentOutOfRangeException(nameof(parameter), parameter, $"The network has {_arrays.Length} parameter tensors.");
        var info = Spec.Parameters[parameter];
        if (length != info.Length)
            throw new ArgumentException($"Parameter {parameter} ({info.Name} of layer {info.LayerIndex}) has {info.Length} values, got {length} for '{method}'.", nameof(values));
        _arrays[parameter].Add((method, values));
    }

    /// <summary>Writes the JSON document.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteNumber("loss", Loss);
        w.WriteString("device", Device);
        w.WriteStartArray("parameters");
        foreach (var info in Spec.Parameters)
        {
            w.WriteStartObject();
            w.WriteNumber("layer", info.LayerIndex);
            w.WriteString("name", info.Name);
            foreach (var (method, values) in _arrays[info.Index])
            {
                w.WriteStartArray(method);
                var layer = Spec.Layers[info.LayerIndex];
                if (info.IsWeight && layer.Kind == LayerKind.Conv2d)
                {
                    // PyTorch's conv weight shape [O][C][kh][kw], as the golden files nest it.
                    int i = 0;
                    for (int o = 0; o < layer.Out; o++)
                    {
                        w.WriteStartArray();
                        for (int c = 0; c < layer.In; c++)
                        {
                            w.WriteStartArray();
                            for (int u = 0; u < layer.KernelH; u++)
                            {
                                w.WriteStartArray();
                                for (int v = 0; v < layer.KernelW; v++) WriteNumber(w, values, i++);
                                w.WriteEndArray();
                            }
                            w.WriteEndArray();
                        }
                        w.WriteEndArray();
                    }
                }
                else if (info.IsWeight)
                {
                    for (int r = 0; r < info.Rows; r++)
                    {
                        w.WriteStartArray();
                        for (int c = 0; c < info.Cols; c++) WriteNumber(w, values, r * info.Cols + c);
                        w.WriteEndArray();
                    }
                }
                else
                {
                    for (int i = 0; i < info.Length; i++) WriteNumber(w, values, i);
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The JSON document as a string.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteNumber(Utf8JsonWriter w, Array values, int i)
    {
        // Utf8JsonWriter refuses non-finite numbers; write them as strings so a broken result is still visible.
        if (values is float[] f)
        {
            if (float.IsFinite(f[i])) w.WriteNumberValue(f[i]);
            else w.WriteStringValue(f[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            double d = ((double[])values)[i];
            if (double.IsFinite(d)) w.WriteNumberValue(d);
            else w.WriteStringValue(d.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
