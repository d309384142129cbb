using HesScale.Bench.Commands;

namespace HesScale.Tests.Cli;

[TestClass]
public sealed class DemoCommandTests
{
    [TestMethod]
    public void Demo_prints_every_tensor_and_a_summary_under_80_lines()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = DemoCommand.Run(["--device", "cpu"], stdout, stderr);

        Assert.AreEqual(0, code, stderr.ToString());
        string[] lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.IsLessThan(80, lines.Length, "output length");
        Assert.StartsWith("device:", lines[0]);
        foreach (var info in DemoCommand.Spec.Parameters)
            Assert.Contains($"layer {info.LayerIndex} {info.Name}", stdout.ToString());
        // HesScale is exact in the last layer and closer to the exact diagonal than HesScaleGN overall.
        var summary = lines.SkipWhile(l => !l.StartsWith("relative L1", StringComparison.Ordinal)).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        CollectionAssert.AreEquivalent(new[] { "hesscale", "hesscale_gn", "bl89", "ggn" }, summary.Keys.ToArray());
        Assert.IsLessThan(summary["hesscale_gn"], summary["hesscale"]);
    }

    [TestMethod]
    public void Demo_rejects_unknown_options()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.AreEqual(2, DemoCommand.Run(["--colour", "red"], stdout, stderr));
        Assert.Contains("--colour", stderr.ToString());
    }
}
