using HesScale.Bench.Commands;

namespace HesScale.Tests.Cli;

/// <summary>Runs <c>hesscale diag</c> (or <c>env-replay</c>) in-process and captures its output; owns a temporary folder.</summary>
internal sealed class CliRun : IDisposable
{
    public CliRun()
    {
        Root = Path.Combine(Path.GetTempPath(), "hesscale-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    /// <summary>A fresh folder for this test, deleted on dispose.</summary>
    public string Root { get; }

    public int ExitCode { get; private set; }
    public string Stdout { get; private set; } = "";
    public string Stderr { get; private set; } = "";

    public string PathOf(string name) => System.IO.Path.Combine(Root, name);

    public int Diag(params string[] args) => Run(DiagCommand.Run, args);

    /// <summary>Runs <c>hesscale env-replay</c>.</summary>
    public int EnvReplay(params string[] args) => Run(EnvReplayCommand.Run, args);

    private int Run(Func<string[], TextWriter, TextWriter, int> command, string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        ExitCode = command(args, stdout, stderr);
        Stdout = stdout.ToString();
        Stderr = stderr.ToString();
        return ExitCode;
    }

    /// <summary>Every file under <paramref name="folder"/> (recursively), names only.</summary>
    public static string[] FilesIn(string folder) => Directory.Exists(folder)
        ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(System.IO.Path.GetFileName).Select(n => n!).Order(StringComparer.Ordinal).ToArray()
        : [];

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
