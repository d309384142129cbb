using System.Globalization;
using System.Text.Json;

namespace HesScale.Bench.Cases;

/// <summary>
/// Typed, path-aware access to a parsed JSON document: every failure is a
/// <see cref="CaseFormatException"/> naming the source and the field path.
/// </summary>
internal sealed class JsonFields(string sourceName)
{
    public string SourceName { get; } = sourceName;

    public CaseFormatException Error(string path, string problem) => new(SourceName, path, problem);

    public static JsonDocument ParseDocument(string json, string sourceName)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is long line ? $" (line {line + 1}, position {e.BytePositionInLine + 1})" : "";
            throw new CaseFormatException(sourceName, "", $"not valid JSON{where}: {FirstSentence(e.Message)}", e);
        }
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    public static string Child(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    public static string Index(string path, int index) => $"{path}[{index}]";

    public void ExpectObject(JsonElement e, string path, params string[] allowed)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Error(path, $"expected an object, got {Describe(e.ValueKind)}");
        foreach (var property in e.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
                throw Error(Child(path, property.Name), $"unknown field (allowed here: {string.Join(", ", allowed)})");
        }
    }

    public JsonElement Required(JsonElement obj, string path, string name)
    {
        if (!obj.TryGetProperty(name, out var value)) throw Error(Child(path, name), "missing required field");
        return value;
    }

    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) ? value : null;

    public string String(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.String) throw Error(path, $"expected a string, got {Describe(e.ValueKind)}");
        return e.GetString() ?? "";
    }

    public double Number(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Number) throw Error(path, $"expected a number, got {Describe(e.ValueKind)}");
        if (!e.TryGetDouble(out double value) || !double.IsFinite(value))
            throw Error(path, $"number {e.GetRawText()} is not finite in double precision");
        return value;
    }

    public int Integer(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Number) throw Error(path, $"expected an integer, got {Describe(e.ValueKind)}");
        if (!e.TryGetInt32(out int value)) throw Error(path, $"expected an integer, got {e.GetRawText()}");
        return value;
    }

    public int PositiveInteger(JsonElement e, string path)
    {
        int value = Integer(e, path);
        if (value <= 0) throw Error(path, $"expected a positive integer, got {value.ToString(CultureInfo.InvariantCulture)}");
        return value;
    }

    public int ArrayLength(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Array) throw Error(path, $"expected an array, got {Describe(e.ValueKind)}");
        return e.GetArrayLength();
    }

    /// <summary>A flat array of exactly <paramref name="count"/> finite numbers, written into <paramref name="into"/> at <paramref name="offset"/>.</summary>
    public void Numbers(JsonElement e, string path, int count, double[] into, int offset)
    {
        int length = ArrayLength(e, path);
        if (length != count) throw Error(path, $"expected {count} numbers, got {length}");
        int i = 0;
        foreach (var item in e.EnumerateArray())
        {
            into[offset + i] = Number(item, Index(path, i));
            i++;
        }
    }

    /// <summary>Exactly <paramref name="rows"/> rows of <paramref name="cols"/> finite numbers, flattened row-major.</summary>
    public double[] Matrix(JsonElement e, string path, int rows, int cols, string rowsMeaning)
    {
        int length = ArrayLength(e, path);
        if (length != rows) throw Error(path, $"expected {rows} rows ({rowsMeaning}), got {length}");
        // Check every row's length before allocating: the declared sizes ("in", "out") must not
        // decide how much memory a small file can ask for; rows x cols numbers are in the document.
        int r = 0;
        foreach (var row in e.EnumerateArray())
        {
            string rowPath = Index(path, r++);
            int rowLength = ArrayLength(row, rowPath);
            if (rowLength != cols) throw Error(rowPath, $"expected {cols} numbers, got {rowLength}");
        }
        var result = new double[(long)rows * cols];
        r = 0;
        foreach (var row in e.EnumerateArray())
        {
            Numbers(row, Index(path, r), cols, result, r * cols);
            r++;
        }
        return result;
    }

    /// <summary>A non-empty array of rows, each of <paramref name="cols"/> finite numbers; returns the row count.</summary>
    public double[] Rows(JsonElement e, string path, int cols, out int rows)
    {
        rows = ArrayLength(e, path);
        if (rows == 0) throw Error(path, "expected at least one row, got an empty array");
        return Matrix(e, path, rows, cols, "one per sample");
    }
}
