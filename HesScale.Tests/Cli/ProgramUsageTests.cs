using HesScale.Bench;

namespace HesScale.Tests.Cli;

/// <summary>The top-level usage text lists exactly the commands <see cref="Program.Commands"/> runs (plus bench and --help).</summary>
[TestClass]
public sealed class ProgramUsageTests
{
    [TestMethod]
    public void Usage_lists_every_command_once_and_nothing_else()
    {
        // Command lines of the usage: "  name  description" between "commands:" and "  --help".
        var lines = Program.Usage.Split('\n');
        int start = Array.IndexOf(lines, "commands:");
        Assert.IsGreaterThanOrEqualTo(0, start, "the usage has a 'commands:' section");
        var listed = lines.Skip(start + 1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal))
            .Select(l => l.TrimStart().Split(' ')[0]).ToList();
        var expected = Program.Commands.Keys.Append("bench").Append("--help").Order(StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(expected, listed.Order(StringComparer.Ordinal).ToList(),
            $"usage lists [{string.Join(", ", listed)}]");
    }
}
