namespace HesScale.Bench.Cases;

/// <summary>
/// A case or expected-result file that cannot be read: bad JSON, a missing or wrongly typed
/// field, or values that do not fit the network. The message names the file and the JSON
/// field path, e.g. <c>case-003.json: layers[2].weight[4]: expected 17 numbers, got 16</c>.
/// </summary>
public sealed class CaseFormatException : FormatException
{
    /// <summary>File name (or other source name) the error was found in.</summary>
    public string SourceName { get; } = "";

    /// <summary>JSON field path such as <c>layers[2].weight[4]</c>; empty for the whole document.</summary>
    public string FieldPath { get; } = "";

    public CaseFormatException()
    {
    }

    public CaseFormatException(string message) : base(message)
    {
    }

    public CaseFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public CaseFormatException(string sourceName, string fieldPath, string problem, Exception? innerException = null)
        : base(Compose(sourceName, fieldPath, problem), innerException)
    {
        SourceName = sourceName;
        FieldPath = fieldPath;
    }

    private static string Compose(string sourceName, string fieldPath, string problem) =>
        fieldPath.Length == 0 ? $"{sourceName}: {problem}" : $"{sourceName}: {fieldPath}: {problem}";
}
