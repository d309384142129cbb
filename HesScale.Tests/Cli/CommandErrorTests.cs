using HesScale.Bench;

namespace HesScale.Tests.Cli;

/// <summary>Every command in <see cref="Program.Commands"/> reports a wrong command line the same way.</summary>
[TestClass]
public sealed class CommandErrorTests
{
    /// <summary>Arguments before the unknown option: merge takes a folder first, slurm a sweep command.</summary>
    private static string[] Leading(string command) => command switch
    {
        "merge" => ["shards"],
        "slurm" => ["rl-sweep"],
        _ => [],
    };

    public static IEnumerable<object[]> CommandNames => Program.Commands.Keys.Order(StringComparer.Ordinal).Select(n => new object[] { n });

    [TestMethod]
    [DynamicData(nameof(CommandNames))]
    public void A_usage_error_is_one_line_with_one_prefix_then_the_usage(string command)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = Program.Commands[command]([.. Leading(command), "--no-such-option", "1"], stdout, stderr);

        Assert.AreEqual(2, code, stderr.ToString());
        Assert.AreEqual("", stdout.ToString(), "nothing on stdout");
        string[] lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string prefix = $"hesscale {command}: ";
        StringAssert.StartsWith(lines[0], prefix);
        Assert.IsFalse(lines[0][prefix.Length..].StartsWith(command + ":", StringComparison.Ordinal), $"command named twice: {lines[0]}");
        Assert.AreEqual(1, lines.Count(l => l.StartsWith("hesscale ", StringComparison.Ordinal)), $"one error line: {stderr}");
        StringAssert.StartsWith(lines[1], $"usage: hesscale {command} ");
    }

    [TestMethod]
    [DynamicData(nameof(CommandNames))]
    public void Help_prints_the_usage_on_stdout_and_exits_0(string command)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = Program.Commands[command]([.. Leading(command).Where(_ => command != "slurm"), "--help"], stdout, stderr);

        Assert.AreEqual(0, code, stderr.ToString());
        Assert.AreEqual("", stderr.ToString());
        StringAssert.StartsWith(stdout.ToString(), $"usage: hesscale {command} ");
    }
}
