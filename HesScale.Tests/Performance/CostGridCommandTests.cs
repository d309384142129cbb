using System.Globalization;
using HesScale.Bench.Commands;
using HesScale.Bench.Perf;
using HesScale.Gpu.Performance;

namespace HesScale.Tests.Performance;

[TestClass]
public sealed class CostGridCommandTests
{
    private static (int Code, string Out, string Err) Cost(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = CostGridCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [TestMethod]
    public void CostGrid_prints_the_device_and_a_row_per_pass_and_writes_csv_and_charts()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hesscale-cost-grid-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output, err) = Cost("--device", "cpu", "--widths", "3,5", "--depths", "0,1", "--inputs", "7", "--outputs", "3",
                "--batch", "9", "--min-time-ms", "0", "--warmup-ms", "0", "--passes", "gradient,hesscale,all", "--out", dir);

            Assert.AreEqual(0, code, err);
            string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.StartsWith("device: cpu", lines[0]);
            string[] csv = File.ReadAllLines(Path.Combine(dir, "cost-grid.csv"));
            Assert.HasCount(1 + 2 * 2 * 3, csv);
            string[] header = csv[0].Split(',');
            int pass = Array.IndexOf(header, "pass"), rel = Array.IndexOf(header, "relative_to_gradient"), batch = Array.IndexOf(header, "batch");
            foreach (string line in csv.Skip(1))
            {
                // The first field is the quoted device name; the others line up with header[1..].
                Assert.StartsWith("\"cpu: native", line);
                string[] f = ["device", .. line[(line.IndexOf("\",", StringComparison.Ordinal) + 2)..].Split(',')];
                Assert.HasCount(header.Length, f);
                Assert.AreEqual("9", f[batch]);
                if (f[pass] == "gradient") Assert.AreEqual(1.0, double.Parse(f[rel], CultureInfo.InvariantCulture));
            }
            Assert.AreEqual(4, lines.Count(l => l.Contains(" hesscale ", StringComparison.Ordinal)), "one table row per grid point");
            foreach (string png in new[] { "cost-grid-depth0.png", "cost-grid-depth1.png", "cost-grid-relative.png" })
            {
                byte[] bytes = File.ReadAllBytes(Path.Combine(dir, png));
                CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4], png);
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    [DataRow("--widths", "64,0", "--widths")]
    [DataRow("--depths", "x", "--depths")]
    [DataRow("--batch", "2,3", "--batch")]
    [DataRow("--passes", "gradient,softmax", "softmax")]
    [DataRow("--activation", "linear", "linear")]
    [DataRow("--min-time-ms", "-5", "--min-time-ms")]
    [DataRow("--colour", "red", "--colour")]
    public void CostGrid_rejects_bad_options_naming_them(string option, string value, string named)
    {
        var (code, _, err) = Cost(option, value, "--device", "cpu");
        Assert.AreEqual(2, code);
        Assert.Contains(named, err);
    }

    [TestMethod]
    public void Options_reach_the_settings()
    {
        var settings = CostGridCommand.ParseSettings((string[])["--widths", "9, 17", "--depths", "0", "--activation", "relu", "--passes", "bl89,forward", "--min-time-ms", "12.5"]);
        CollectionAssert.AreEqual(new[] { 9, 17 }, settings.Widths.ToArray());
        CollectionAssert.AreEqual(new[] { 0 }, settings.Depths.ToArray());
        Assert.AreEqual(HesScale.Gpu.Model.LayerKind.ReLU, settings.Activation);
        CollectionAssert.AreEqual(new[] { "bl89", "forward" }, settings.Passes.Select(p => p.Name).ToArray());
        Assert.AreEqual(12.5, settings.Budget.MinTimeMs);
        Assert.AreEqual(new CostSettings().Budget.WarmupMs, settings.Budget.WarmupMs);
    }
}
