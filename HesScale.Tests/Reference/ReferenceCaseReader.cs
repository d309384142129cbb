using System.Text.Json;
using HesScale.Gpu;
using HesScale.Reference;
using HesScale.Reference.Layers;

namespace HesScale.Tests.Reference;

/// <summary>A case file read into a double reference network with its batch, targets and loss.</summary>
internal sealed record ReferenceCase(ReferenceNetwork Net, double[] Inputs, int Batch, ReferenceTargets Targets, LossSpec Loss);

/// <summary>
/// Reads hesscale-case/1 (MLPs) and hesscale-case/2 (input_shape, conv2d, max_pool2d, avg_pool2d, flatten) case
/// files straight into reference layers (golden/README.md), in double. Test-side: HesScale.Gpu's CaseFile reads /1 in float.
/// </summary>
internal static class ReferenceCaseReader
{
    /// <summary>PyTorch's LeakyReLU default, the slope the golden cases use.</summary>
    private const double LeakySlope = 0.01;

    public static ReferenceCase Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        var inputsElement = root.GetProperty("inputs");
        int batch = inputsElement.GetArrayLength();
        var inputs = Flatten(inputsElement);
        var shape = root.TryGetProperty("input_shape", out var s)
            ? new TensorShape(s[0].GetInt32(), s[1].GetInt32(), s[2].GetInt32())
            : TensorShape.Vector(inputs.Length / batch);

        var layers = new List<ReferenceLayer>();
        var parameters = new List<double[]>();
        int index = 0;
        foreach (var layer in root.GetProperty("layers").EnumerateArray())
        {
            string type = layer.GetProperty("type").GetString()!;
            ReferenceLayer built;
            try
            {
                built = type switch
                {
                    "linear" => new LinearLayer(shape, layer.GetProperty("in").GetInt32(), layer.GetProperty("out").GetInt32(), HasBias(layer)),
                    "conv2d" => new Conv2dLayer(shape, layer.GetProperty("in_channels").GetInt32(), layer.GetProperty("out_channels").GetInt32(), WindowOf(layer), HasBias(layer)),
                    "max_pool2d" => new MaxPool2dLayer(shape, WindowOf(layer)),
                    "avg_pool2d" => new AvgPool2dLayer(shape, WindowOf(layer)),
                    "flatten" => new FlattenLayer(shape),
                    _ when LayerSpec.TryParseKind(type, out var kind) && kind != LayerKind.Linear => ActivationLayer.Create(shape, kind, LeakySlope),
                    _ => throw new InvalidDataException($"unknown layer type '{type}'"),
                };
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{Path.GetFileName(path)}: layers[{index}]: {e.Message}", e);
            }
            if (built.Parameters.Count > 0)
            {
                parameters.Add(Flatten(layer.GetProperty("weight")));
                if (HasBias(layer)) parameters.Add(Flatten(layer.GetProperty("bias")));
            }
            layers.Add(built);
            shape = built.OutputShape;
            index++;
        }

        var lossElement = root.GetProperty("loss");
        var loss = new LossSpec(
            lossElement.GetProperty("type").GetString() == "mse" ? LossKind.MeanSquaredError : LossKind.CrossEntropy,
            lossElement.GetProperty("reduction").GetString() == "sum" ? Reduction.Sum : Reduction.Mean);
        var targetsElement = root.GetProperty("targets");
        var targets = loss.Kind == LossKind.CrossEntropy
            ? ReferenceTargets.FromClasses(targetsElement.EnumerateArray().Select(e => e.GetInt32()).ToArray())
            : ReferenceTargets.FromValues(Flatten(targetsElement));
        return new ReferenceCase(new ReferenceNetwork(layers, parameters), inputs, batch, targets, loss);
    }

    /// <summary>Nested JSON arrays of numbers, row-major.</summary>
    public static double[] Flatten(JsonElement element)
    {
        var result = new List<double>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array) foreach (var x in e.EnumerateArray()) Walk(x);
            else result.Add(e.GetDouble());
        }
        Walk(element);
        return result.ToArray();
    }

    private static bool HasBias(JsonElement layer) => layer.TryGetProperty("bias", out var b) && b.ValueKind == JsonValueKind.Array;

    private static Window2d WindowOf(JsonElement layer)
    {
        var k = layer.GetProperty("kernel");
        var st = layer.GetProperty("stride");
        var p = layer.GetProperty("padding");
        return new Window2d(k[0].GetInt32(), k[1].GetInt32(), st[0].GetInt32(), st[1].GetInt32(), p[0].GetInt32(), p[1].GetInt32());
    }
}
