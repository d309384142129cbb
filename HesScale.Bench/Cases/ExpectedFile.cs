using System.Text.Json;

namespace HesScale.Bench.Cases;

/// <summary>One weight or bias entry of an expected-result file: named arrays flattened row-major.</summary>
/// <param name="Layer">Index into the case's <c>layers</c>.</param>
/// <param name="Name"><c>weight</c> or <c>bias</c>.</param>
/// <param name="Rows">Rows of the arrays (out for weights, the length for biases).</param>
/// <param name="Cols">Columns (in for weights, 1 for biases).</param>
/// <param name="Arrays">Method name (<c>gradient</c>, <c>hesscale</c>, <c>exact</c>, ...) to its values.</param>
public sealed record ExpectedParameter(int Layer, string Name, int Rows, int Cols, IReadOnlyDictionary<string, double[]> Arrays)
{
    /// <summary>The array for <paramref name="method"/>, or null when the file has none.</summary>
    public double[]? Get(string method) => Arrays.TryGetValue(method, out var values) ? values : null;
}

/// <summary>
/// An expected-result file (<c>case-NNN.expected.json</c>, or what <see cref="CaseResult.WriteTo"/> writes):
/// <c>loss</c>, optional <c>device</c>, and <c>parameters</c> in layer order.
/// </summary>
public sealed record ExpectedFile(double Loss, string? Device, IReadOnlyList<ExpectedParameter> Parameters, string SourcePath)
{
    /// <summary>Reads an expected-result file.</summary>
    /// <exception cref="CaseFormatException">The content does not have the expected shape.</exception>
    public static ExpectedFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses expected-result JSON; <paramref name="sourceName"/> is used in messages.</summary>
    public static ExpectedFile Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        var f = new JsonFields(Path.GetFileName(sourceName));
        using var document = JsonFields.ParseDocument(json, f.SourceName);
        var root = document.RootElement;
        f.ExpectObject(root, "", "loss", "device", "parameters");
        double loss = f.Number(f.Required(root, "", "loss"), "loss");
        string? device = JsonFields.Optional(root, "device") is JsonElement d ? f.String(d, "device") : null;
        var parametersElement = f.Required(root, "", "parameters");
        int count = f.ArrayLength(parametersElement, "parameters");
        var parameters = new List<ExpectedParameter>(count);
        int p = 0;
        foreach (var entry in parametersElement.EnumerateArray())
        {
            string path = JsonFields.Index("parameters", p);
            if (entry.ValueKind != JsonValueKind.Object) throw f.Error(path, $"expected an object, got {JsonFields.Describe(entry.ValueKind)}");
            int layer = f.Integer(f.Required(entry, path, "layer"), JsonFields.Child(path, "layer"));
            string name = f.String(f.Required(entry, path, "name"), JsonFields.Child(path, "name"));
            if (name is not ("weight" or "bias")) throw f.Error(JsonFields.Child(path, "name"), $"expected \"weight\" or \"bias\", got \"{name}\"");
            var arrays = new Dictionary<string, double[]>(StringComparer.Ordinal);
            int rows = -1, cols = -1;
            foreach (var property in entry.EnumerateObject())
            {
                if (property.Name is "layer" or "name") continue;
                string arrayPath = JsonFields.Child(path, property.Name);
                int r = f.ArrayLength(property.Value, arrayPath);
                double[] values;
                int c;
                if (name == "weight" && r > 0 && property.Value[0].ValueKind == JsonValueKind.Array && property.Value[0].GetArrayLength() > 0
                    && property.Value[0][0].ValueKind == JsonValueKind.Array)
                {
                    // A conv weight [O][C][kh][kw]: rows O, columns C*kh*kw, as NetworkSpec's parameter.
                    values = Nested(f, property.Value, arrayPath, out c);
                }
                else if (name == "weight")
                {
                    c = r > 0 ? f.ArrayLength(property.Value[0], JsonFields.Index(arrayPath, 0)) : 0;
                    values = f.Matrix(property.Value, arrayPath, r, c, "as in the first array");
                }
                else
                {
                    c = 1;
                    values = new double[r];
                    f.Numbers(property.Value, arrayPath, r, values, 0);
                }
                if (rows < 0)
                {
                    rows = r;
                    cols = c;
                }
                else if (rows != r || cols != c)
                {
                    throw f.Error(arrayPath, $"expected {rows} x {cols} like the other arrays of this entry, got {r} x {c}");
                }
                arrays[property.Name] = values;
            }
            parameters.Add(new ExpectedParameter(layer, name, Math.Max(rows, 0), Math.Max(cols, 0), arrays));
            p++;
        }
        return new ExpectedFile(loss, device, parameters, sourceName);
    }

    /// <summary>A 4-D array [O][C][kh][kw] with every level the length of its first entry, row-major; <paramref name="cols"/> = C*kh*kw.</summary>
    private static double[] Nested(JsonFields f, JsonElement e, string path, out int cols)
    {
        var dims = new int[4];
        var probe = e;
        for (int d = 0; d < 4; d++)
        {
            dims[d] = f.ArrayLength(probe, path);
            if (dims[d] == 0) throw f.Error(path, "expected a non-empty [O][C][kh][kw] array");
            if (d < 3) probe = probe[0];
        }
        cols = dims[1] * dims[2] * dims[3];
        var values = new double[dims[0] * cols];
        int i = 0;
        void Walk(JsonElement item, string at, int depth)
        {
            if (depth == 3)
            {
                f.Numbers(item, at, dims[3], values, i);
                i += dims[3];
                return;
            }
            int length = f.ArrayLength(item, at);
            if (length != dims[depth]) throw f.Error(at, $"expected {dims[depth]} entries like the first, got {length}");
            int k = 0;
            foreach (var child in item.EnumerateArray()) Walk(child, JsonFields.Index(at, k++), depth + 1);
        }
        Walk(e, path, 0);
        return values;
    }
}
