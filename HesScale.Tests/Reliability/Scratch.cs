using HesScale.Bench.Commands;

namespace HesScale.Tests.Reliability;

/// <summary>Runs the train command in-process and gives a scratch folder deleted on dispose.</summary>
internal sealed class Scratch : IDisposable
{
    public Scratch()
    {
        Root = Path.Combine(Path.GetTempPath(), "hesscale-rel-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(string name) => Path.Combine(Root, name);

    public static (int Code, string Out, string Err) Train(params string[] args)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        int code = TrainCommand.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>A failure reported as a one-line error: exit 1, no stack trace.</summary>
    public static void AssertOneLineError(int code, string stderr, params string[] parts)
    {
        Assert.AreEqual(1, code, stderr);
        Assert.DoesNotContain("   at ", stderr, "no stack trace");
        string line = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.Contains("error", StringComparison.Ordinal));
        foreach (var part in parts) Assert.Contains(part, line);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
