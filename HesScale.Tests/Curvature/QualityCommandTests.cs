using System.Globalization;
using HesScale.Bench.Commands;
using HesScale.Bench.Quality;

namespace HesScale.Tests.Curvature;

/// <summary>The quality command in-process on a tiny run: files, columns, normalisation, and the exactness properties its numbers must show.</summary>
[TestClass]
public sealed class QualityCommandTests
{
    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = QualityCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [TestMethod]
    public void Tiny_run_writes_every_output_with_consistent_numbers()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hesscale-quality-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, stdout, stderr) = Run("--seeds", "2", "--samples", "2", "--train-steps", "20", "--out", dir, "--device", "cpu");
            Assert.AreEqual(0, code, stderr);
            Assert.Contains("device: cpu", stdout);
            foreach (var file in new[] { "quality.csv", "quality_normalized.csv", "quality_initial.png", "quality_trained.png", "quality_layers_initial.png", "quality_layers_trained.png" })
                Assert.IsGreaterThan(0L, new FileInfo(Path.Combine(dir, file)).Length, file);

            var raw = File.ReadAllLines(Path.Combine(dir, "quality.csv"));
            Assert.AreEqual("phase,seed,method,layer,l1_error", raw[0]);
            var rows = raw.Skip(1).Select(l => l.Split(',')).Select(f => new QualityRow(f[0], int.Parse(f[1], CultureInfo.InvariantCulture), f[2], f[3], double.Parse(f[4], CultureInfo.InvariantCulture))).ToList();
            Assert.HasCount(2 * 2 * QualityMethod.All.Count * 5, rows, "phases x seeds x methods x (4 layers + all)");
            Assert.IsTrue(rows.All(r => double.IsFinite(r.L1Error) && r.L1Error >= 0));
            double Error(string phase, int seed, string method, string layer) => rows.Single(r => r.Phase == phase && r.Seed == seed && r.Method == method && r.Layer == layer).L1Error;
            foreach (var phase in QualityReport.Phases)
            {
                for (int seed = 0; seed < 2; seed++)
                {
                    double zeroLast = Error(phase, seed, "zero", "fc4");
                    Assert.IsGreaterThan(0.0, zeroLast);
                    // method.md: HesScale's and the GGN's last-layer diagonals are exact; the official BL89's is zero.
                    Assert.IsLessThanOrEqualTo(1e-4 * zeroLast, Error(phase, seed, "hesscale", "fc4"), $"{phase} seed {seed}: hesscale fc4");
                    Assert.IsLessThanOrEqualTo(1e-4 * zeroLast, Error(phase, seed, "ggn", "fc4"), $"{phase} seed {seed}: ggn fc4");
                    Assert.AreEqual(zeroLast, Error(phase, seed, "bl89_official", "fc4"), 1e-6 * zeroLast, $"{phase} seed {seed}: bl89_official fc4");
                    Assert.AreEqual(0.0, Error(phase, seed, "exact", "all"));
                    double sum = Enumerable.Range(1, 4).Sum(l => Error(phase, seed, "hesscale", $"fc{l}"));
                    Assert.AreEqual(sum, Error(phase, seed, "hesscale", "all"), 1e-9 * sum, "all = sum of layers");
                }
            }

            var normalized = File.ReadAllLines(Path.Combine(dir, "quality_normalized.csv"));
            Assert.AreEqual("phase,method,normalized_error,min_over_seeds,max_over_seeds", normalized[0]);
            Assert.HasCount(1 + 2 * QualityMethod.All.Count, normalized);
            var hesscale = normalized.Where(l => l.Split(',')[1] == "hesscale").Select(l => l.Split(',')).ToList();
            Assert.HasCount(2, hesscale);
            foreach (var f in hesscale) CollectionAssert.AreEqual(new[] { "1", "1", "1" }, f[2..]);
            foreach (var phase in QualityReport.Phases)
            {
                var errors = normalized.Skip(1).Select(l => l.Split(',')).Where(f => f[0] == phase).Select(f => double.Parse(f[2], CultureInfo.InvariantCulture)).ToList();
                CollectionAssert.AreEqual(errors.Order().ToList(), errors, $"{phase}: sorted by normalised error");
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    [DataRow("--seeds", "0")]
    [DataRow("--samples", "x")]
    [DataRow("--activation", "sigmoid")]
    [DataRow("--bogus", "1")]
    public void Bad_command_lines_exit_2_naming_the_option(string option, string value)
    {
        var (code, _, stderr) = Run(option, value);
        Assert.AreEqual(2, code);
        Assert.Contains(option, stderr);
    }
}
