using System.Globalization;
using System.Text.Json;
using HesScale.Gpu;

namespace HesScale.Bench.Cases;

/// <summary>
/// Reads <c>hesscale-case/1</c> and <c>hesscale-case/2</c> files (see the golden README): layers with their
/// parameters (/2 adds <c>input_shape</c>, conv2d, max_pool2d, avg_pool2d and flatten), a loss, a batch of inputs and the targets. Everything is validated; every problem is a
/// <see cref="CaseFormatException"/> whose message names the file and the JSON field.
/// </summary>
public static class CaseFile
{
    /// <summary>The MLP format (<c>format</c> field).</summary>
    public const string FormatName = "hesscale-case/1";

    /// <summary>The superset with image layers and <c>input_shape</c>.</summary>
    public const string ImageFormatName = "hesscale-case/2";

    /// <summary>Largest case file read (256 MiB): memory while parsing is a small multiple of the file size.</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>Reads and validates a case file.</summary>
    /// <exception cref="CaseFormatException">The file's content is not a valid case.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static HesScaleCase Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        long length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
            throw new CaseFormatException(Path.GetFileName(path), "", $"the file holds {length} bytes, more than the {MaxFileBytes} a case file may have");
        string json = File.ReadAllText(path);
        return Parse(json, path);
    }

    /// <summary>Parses and validates case JSON; <paramref name="sourceName"/> (a path or name) is used in messages.</summary>
    /// <exception cref="CaseFormatException">The content is not a valid case.</exception>
    public static HesScaleCase Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        var f = new JsonFields(Path.GetFileName(sourceName));
        using var document = JsonFields.ParseDocument(json, f.SourceName);
        var root = document.RootElement;
        string format = f.String(f.Required(root, "", "format"), "format");
        if (format != FormatName && format != ImageFormatName) throw f.Error("format", $"expected \"{FormatName}\" or \"{ImageFormatName}\", got \"{format}\"");
        bool images = format == ImageFormatName;
        if (images) f.ExpectObject(root, "", "format", "input_shape", "layers", "loss", "inputs", "targets");
        else f.ExpectObject(root, "", "format", "layers", "loss", "inputs", "targets");

        TensorShape? shape = null;
        if (JsonFields.Optional(root, "input_shape") is JsonElement shapeElement)
        {
            if (f.ArrayLength(shapeElement, "input_shape") != 3) throw f.Error("input_shape", "expected [C, H, W]");
            var dims = shapeElement.EnumerateArray().Select((e, i) => f.PositiveInteger(e, JsonFields.Index("input_shape", i))).ToArray();
            shape = new TensorShape(dims[0], dims[1], dims[2]);
        }
        var (spec, parameters) = ReadLayers(f, f.Required(root, "", "layers"), shape, images);
        var loss = ReadLoss(f, f.Required(root, "", "loss"));
        double[] inputs = f.Rows(f.Required(root, "", "inputs"), "inputs", spec.InputSize, out int batch);

        var targetsElement = f.Required(root, "", "targets");
        int[]? classes = null;
        double[]? values = null;
        int outputs = spec.OutputSize;
        int targetCount = f.ArrayLength(targetsElement, "targets");
        if (targetCount != batch)
            throw f.Error("targets", $"expected {batch} targets (one per input row), got {targetCount}");
        if (loss.Kind == LossKind.CrossEntropy)
        {
            classes = new int[batch];
            int n = 0;
            foreach (var item in targetsElement.EnumerateArray())
            {
                string path = JsonFields.Index("targets", n);
                int c = f.Integer(item, path);
                if (c < 0 || c >= outputs)
                    throw f.Error(path, $"class index {c.ToString(CultureInfo.InvariantCulture)} is outside [0, {outputs}) (the network has {outputs} outputs)");
                classes[n++] = c;
            }
        }
        else
        {
            values = f.Matrix(targetsElement, "targets", batch, outputs, "one per sample");
        }

        return new HesScaleCase(spec, parameters, inputs, batch, loss, classes, values, sourceName);
    }

    /// <summary>
    /// Refuses a case whose parameters, inputs or target values do not fit in single precision (e.g.
    /// a weight of 1e300): the engine and the device kernels compute in float32. The message names
    /// the file and the JSON field.
    /// </summary>
    /// <exception cref="CaseFormatException">A value overflows float32.</exception>
    public static void CheckSinglePrecision(HesScaleCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var f = new JsonFields(c.FileName);
        foreach (var p in c.Spec.Parameters)
        {
            string tensor = JsonFields.Child(JsonFields.Index("layers", p.LayerIndex), p.Name);
            int bad = FirstOverflow(c.Parameters[p.Index]);
            if (bad >= 0)
            {
                string at = p.IsWeight ? $"{tensor}[{bad / p.Cols}][{bad % p.Cols}]" : JsonFields.Index(tensor, bad);
                throw f.Error(at, SinglePrecisionProblem(c.Parameters[p.Index][bad]));
            }
        }
        int width = c.Spec.InputSize;
        int input = FirstOverflow(c.Inputs);
        if (input >= 0) throw f.Error($"inputs[{input / width}][{input % width}]", SinglePrecisionProblem(c.Inputs[input]));
        if (c.TargetValues is { } values)
        {
            int k = c.Spec.OutputSize, target = FirstOverflow(values);
            if (target >= 0) throw f.Error($"targets[{target / k}][{target % k}]", SinglePrecisionProblem(values[target]));
        }
    }

    private static int FirstOverflow(double[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite((float)values[i])) return i;
        }
        return -1;
    }

    private static string SinglePrecisionProblem(double value) =>
        $"{value.ToString("R", CultureInfo.InvariantCulture)} is not finite in single precision (the engine computes in float32)";

    private static (NetworkSpec Spec, List<double[]> Parameters) ReadLayers(JsonFields f, JsonElement layersElement, TensorShape? input, bool images)
    {
        int count = f.ArrayLength(layersElement, "layers");
        if (count == 0) throw f.Error("layers", "expected at least one layer, got an empty array");
        var layers = new List<LayerSpec>(count);
        var parameters = new List<double[]>();
        int width = input is { IsVector: true } vector ? vector.Size : -1;
        int l = 0;
        foreach (var layer in layersElement.EnumerateArray())
        {
            string path = JsonFields.Index("layers", l);
            if (layer.ValueKind != JsonValueKind.Object) throw f.Error(path, $"expected an object, got {JsonFields.Describe(layer.ValueKind)}");
            string typePath = JsonFields.Child(path, "type");
            string type = f.String(f.Required(layer, path, "type"), typePath);
            if (!LayerSpec.TryParseKind(type, out var kind) || (!images && kind >= LayerKind.Conv2d))
            {
                var known = Enum.GetValues<LayerKind>().Where(k => images || k < LayerKind.Conv2d).Select(LayerSpec.NameOf);
                throw f.Error(typePath, $"unknown layer type \"{type}\" (known: {string.Join(", ", known)}{(images ? "" : "; image layers need format " + ImageFormatName)})");
            }

            if (kind == LayerKind.Linear)
            {
                f.ExpectObject(layer, path, "type", "in", "out", "weight", "bias");
                int inSize = f.PositiveInteger(f.Required(layer, path, "in"), JsonFields.Child(path, "in"));
                int outSize = f.PositiveInteger(f.Required(layer, path, "out"), JsonFields.Child(path, "out"));
                if (width >= 0 && inSize != width)
                    throw f.Error(JsonFields.Child(path, "in"), $"expected {width} (the width the previous layers give), got {inSize}");
                string weightPath = JsonFields.Child(path, "weight");
                parameters.Add(f.Matrix(f.Required(layer, path, "weight"), weightPath, outSize, inSize, "one per output, \"out\" is " + outSize.ToString(CultureInfo.InvariantCulture)));
                bool bias = ReadBias(f, layer, path, outSize, parameters);
                layers.Add(LayerSpec.Linear(inSize, outSize, bias));
                width = outSize;
            }
            else if (kind == LayerKind.Conv2d)
            {
                f.ExpectObject(layer, path, "type", "in_channels", "out_channels", "kernel", "stride", "padding", "weight", "bias");
                int inC = f.PositiveInteger(f.Required(layer, path, "in_channels"), JsonFields.Child(path, "in_channels"));
                int outC = f.PositiveInteger(f.Required(layer, path, "out_channels"), JsonFields.Child(path, "out_channels"));
                var (kh, kw, sh, sw, ph, pw) = ReadWindow(f, layer, path);
                bool bias = JsonFields.Optional(layer, "bias") is not null;
                var conv = Checked(f, path, () => LayerSpec.Conv2d(inC, outC, kh, kw, sh, sw, ph, pw, bias));
                // Whether it fits its input (kernel, channels) before its weight's shape: the message names the numbers.
                if (input is TensorShape given) Checked(f, path, () => new NetworkSpec(given, [.. layers, conv]));
                parameters.Add(Tensor(f, f.Required(layer, path, "weight"), JsonFields.Child(path, "weight"), [outC, inC, kh, kw]));
                ReadBias(f, layer, path, outC, parameters);
                layers.Add(conv);
                width = -1;
            }
            else if (kind is LayerKind.MaxPool2d or LayerKind.AvgPool2d)
            {
                f.ExpectObject(layer, path, "type", "kernel", "stride", "padding");
                var (kh, kw, sh, sw, ph, pw) = ReadWindow(f, layer, path);
                layers.Add(Checked(f, path, () => kind == LayerKind.MaxPool2d ? LayerSpec.MaxPool2d(kh, kw, sh, sw, ph, pw) : LayerSpec.AvgPool2d(kh, kw, sh, sw, ph, pw)));
                width = -1;
            }
            else if (kind == LayerKind.Flatten)
            {
                f.ExpectObject(layer, path, "type");
                layers.Add(LayerSpec.Flatten());
                width = -1;
            }
            else
            {
                if (l == 0) throw f.Error(typePath, $"the first layer must be \"linear\"{(images ? " or \"conv2d\"" : "")} (a layer with parameters), got \"{type}\"");
                if (kind == LayerKind.LeakyReLU)
                {
                    f.ExpectObject(layer, path, "type", "slope");
                    var slopeElement = JsonFields.Optional(layer, "slope");
                    double slope = slopeElement is JsonElement s ? f.Number(s, JsonFields.Child(path, "slope")) : 0.01;
                    if (!float.IsFinite((float)slope)) throw f.Error(JsonFields.Child(path, "slope"), "slope does not fit in single precision");
                    layers.Add(LayerSpec.LeakyReLU((float)slope));
                }
                else
                {
                    f.ExpectObject(layer, path, "type");
                    layers.Add(LayerSpec.Activation(kind));
                }
            }
            l++;
        }
        // Shapes flow through the spec: a layer that does not fit its input is one line naming the layer and the numbers.
        try
        {
            return (input is TensorShape shape ? new NetworkSpec(shape, layers) : new NetworkSpec(layers), parameters);
        }
        catch (ArgumentException e)
        {
            throw f.Error("layers", e.Message);
        }
    }

    private static T Checked<T>(JsonFields f, string path, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            throw f.Error(path, e.Message);
        }
    }

    /// <summary>The optional bias of <paramref name="count"/> numbers, added to <paramref name="parameters"/>; whether it is there.</summary>
    private static bool ReadBias(JsonFields f, JsonElement layer, string path, int count, List<double[]> parameters)
    {
        if (JsonFields.Optional(layer, "bias") is not JsonElement bias) return false;
        var b = new double[count];
        f.Numbers(bias, JsonFields.Child(path, "bias"), count, b, 0);
        parameters.Add(b);
        return true;
    }

    /// <summary>kernel, stride and padding as [h, w] pairs.</summary>
    private static (int Kh, int Kw, int Sh, int Sw, int Ph, int Pw) ReadWindow(JsonFields f, JsonElement layer, string path)
    {
        (int, int) Pair(string name)
        {
            string at = JsonFields.Child(path, name);
            var e = f.Required(layer, path, name);
            if (f.ArrayLength(e, at) != 2) throw f.Error(at, "expected [height, width]");
            return (f.Integer(e[0], JsonFields.Index(at, 0)), f.Integer(e[1], JsonFields.Index(at, 1)));
        }
        var (kh, kw) = Pair("kernel");
        var (sh, sw) = Pair("stride");
        var (ph, pw) = Pair("padding");
        return (kh, kw, sh, sw, ph, pw);
    }

    /// <summary>Nested arrays of exactly <paramref name="dims"/> (e.g. [O][C][kh][kw]) of finite numbers, row-major.</summary>
    private static double[] Tensor(JsonFields f, JsonElement e, string path, int[] dims)
    {
        long total = 1;
        foreach (int d in dims) total *= d;
        // Shapes are checked while reading, so the declared sizes cannot ask for more than the document holds.
        var result = new List<double>();
        void Walk(JsonElement item, string at, int depth)
        {
            if (depth == dims.Length - 1)
            {
                // Compare the row's length before allocating it: a tiny file may declare a huge tensor.
                int rowLength = f.ArrayLength(item, at);
                if (rowLength != dims[depth]) throw f.Error(at, $"expected {dims[depth]} entries (shape [{string.Join("][", dims)}]), got {rowLength}");
                var row = new double[dims[depth]];
                f.Numbers(item, at, dims[depth], row, 0);
                result.AddRange(row);
                return;
            }
            int length = f.ArrayLength(item, at);
            if (length != dims[depth]) throw f.Error(at, $"expected {dims[depth]} entries (shape [{string.Join("][", dims)}]), got {length}");
            int i = 0;
            foreach (var child in item.EnumerateArray()) Walk(child, JsonFields.Index(at, i++), depth + 1);
        }
        Walk(e, path, 0);
        return result.ToArray();
    }

    private static LossSpec ReadLoss(JsonFields f, JsonElement e)
    {
        f.ExpectObject(e, "loss", "type", "reduction");
        string type = f.String(f.Required(e, "loss", "type"), "loss.type");
        LossKind kind = type switch
        {
            "mse" => LossKind.MeanSquaredError,
            "cross_entropy" => LossKind.CrossEntropy,
            _ => throw f.Error("loss.type", $"unknown loss type \"{type}\" (known: mse, cross_entropy)"),
        };
        var reductionElement = JsonFields.Optional(e, "reduction");
        string reduction = reductionElement is JsonElement r ? f.String(r, "loss.reduction") : "mean";
        Reduction red = reduction switch
        {
            "mean" => Reduction.Mean,
            "sum" => Reduction.Sum,
            _ => throw f.Error("loss.reduction", $"unknown reduction \"{reduction}\" (known: mean, sum)"),
        };
        return new LossSpec(kind, red);
    }
}
