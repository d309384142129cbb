using System.Globalization;
using HesScale.Bench.Commands;
using HesScale.Bench.Quality;
using HesScale.Bench.Training;
using HesScale.Tests.Training;

namespace HesScale.Tests.Curvature;

/// <summary>
/// <c>quality --model cnn</c> (issue 10) in-process on generated 12x12 IDX images (the smallest cnn-small fits: 12 -> 8 -> 4 -> 2 -> 1):
/// per-layer names, the exactness properties of a ReLU/max-pool net, HesScale ahead of BL89 and g^2, sharding, usage errors.
/// </summary>
[TestClass]
public sealed class QualityCnnTests
{
    private static (int Code, string Stdout, string Stderr) Run(Func<string[], TextWriter, TextWriter, int> command, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = command(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args) => Run(QualityCommand.Run, args);

    /// <summary>An MNIST-format folder of <paramref name="side"/> x <paramref name="side"/> images: class c is a bright bar at row 2c/2 over noise.</summary>
    private static string ImageFolder(string root, int side)
    {
        string dir = Path.Combine(root, "images");
        Directory.CreateDirectory(dir);
        var rng = new Random(7);
        foreach (var (prefix, n) in new[] { ("train", 60), ("t10k", 20) })
        {
            var pixels = new byte[n * side * side];
            var labels = new byte[n];
            for (int i = 0; i < n; i++)
            {
                int label = i % 10, row = label * (side - 1) / 9;
                labels[i] = (byte)label;
                for (int p = 0; p < side * side; p++) pixels[i * side * side + p] = (byte)(p / side == row ? 200 + rng.Next(56) : rng.Next(80));
            }
            File.WriteAllBytes(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), IdxBytes.Idx(pixels, n, side, side));
            File.WriteAllBytes(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), IdxBytes.Idx(labels, n));
        }
        return dir;
    }

    private static List<QualityRow> Rows(string dir) => File.ReadAllLines(Path.Combine(dir, "quality.csv")).Skip(1).Select(l => l.Split(','))
        .Select(f => new QualityRow(f[0], int.Parse(f[1], CultureInfo.InvariantCulture), f[2], f[3], double.Parse(f[4], CultureInfo.InvariantCulture))).ToList();

    [TestMethod]
    public void Cnn_run_names_its_layers_and_shows_the_exactness_properties()
    {
        string root = Directory.CreateTempSubdirectory("hesscale-quality-cnn-").FullName;
        try
        {
            string data = ImageFolder(root, 12), outDir = Path.Combine(root, "out");
            var (code, stdout, stderr) = Run("--model", "cnn", "--data", "mnist:" + data, "--seeds", "2", "--samples", "4", "--train-steps", "30",
                "--device", "cpu", "--threads", "1", "--out", outDir);
            Assert.AreEqual(0, code, stderr);
            StringAssert.Contains(stdout, "quality: cnn-small input(1x12x12) conv2d(1,16,k5x5");
            foreach (var file in new[] { "quality_normalized.csv", "quality_initial.png", "quality_trained.png", "quality_layers_initial.png", "quality_layers_trained.png" })
                Assert.IsGreaterThan(0L, new FileInfo(Path.Combine(outDir, file)).Length, file);

            var rows = Rows(outDir);
            Assert.HasCount(2 * 2 * QualityMethod.All.Count * 4, rows, "phases x seeds x methods x (conv1, conv2, fc1, all)");
            CollectionAssert.AreEqual(new[] { "conv1", "conv2", "fc1", "all" }, rows.Select(r => r.Layer).Distinct().ToArray(), "input side first");
            Assert.IsTrue(rows.All(r => double.IsFinite(r.L1Error) && r.L1Error >= 0));
            double Error(string phase, int seed, string method, string layer) => rows.Single(r => r.Phase == phase && r.Seed == seed && r.Method == method && r.Layer == layer).L1Error;
            foreach (var phase in QualityReport.Phases)
            {
                for (int seed = 0; seed < 2; seed++)
                {
                    string at = $"{phase} seed {seed}";
                    Assert.AreEqual(0.0, Error(phase, seed, "exact", "all"), at);
                    double zero = Error(phase, seed, "zero", "all");
                    Assert.IsGreaterThan(0.0, Error(phase, seed, "zero", "conv1"), at);
                    // ReLU and max pooling are piecewise linear: the exact diagonal is the GGN's, and HesScale's s'' g terms vanish.
                    Assert.IsLessThanOrEqualTo(1e-5 * zero, Error(phase, seed, "ggn", "all"), $"{at}: ggn");
                    Assert.AreEqual(Error(phase, seed, "hesscale", "all"), Error(phase, seed, "hesscale_gn", "all"), 1e-5 * zero, $"{at}: hesscale_gn");
                    Assert.IsLessThanOrEqualTo(1e-4 * Error(phase, seed, "zero", "fc1"), Error(phase, seed, "hesscale", "fc1"), $"{at}: hesscale's last layer is exact");
                    double hesscale = Error(phase, seed, "hesscale", "all");
                    Assert.IsLessThan(Error(phase, seed, "bl89", "all"), hesscale, $"{at}: hesscale < bl89");
                    Assert.IsLessThan(Error(phase, seed, "grad_squared", "all"), hesscale, $"{at}: hesscale < grad_squared");
                    double sum = new[] { "conv1", "conv2", "fc1" }.Sum(l => Error(phase, seed, "hesscale", l));
                    Assert.AreEqual(sum, hesscale, 1e-9 * sum, $"{at}: all = sum of layers");
                }
            }

            // The shard file records --model: a shard of the MLP sweep in the same folder is refused at merge.
            string sharded = Path.Combine(root, "sharded");
            string[] grid = ["--model", "cnn", "--data", "mnist:" + data, "--seeds", "2", "--samples", "4", "--train-steps", "30", "--device", "cpu", "--threads", "1"];
            for (int k = 0; k < 2; k++)
            {
                var (shardCode, _, shardErr) = Run([.. grid, "--shard", $"{k}/2", "--out", sharded]);
                Assert.AreEqual(0, shardCode, shardErr);
            }
            var (mergeCode, _, mergeErr) = Run(MergeCommand.Run, sharded);
            Assert.AreEqual(0, mergeCode, mergeErr);
            CollectionAssert.AreEqual(File.ReadAllLines(Path.Combine(outDir, "quality.csv")), File.ReadAllLines(Path.Combine(sharded, "quality.csv")), "2 shards merged = one process");
            var (mlpCode, _, mlpErr) = Run([.. grid[2..], "--shard", "0/3", "--out", sharded]);
            Assert.AreEqual(0, mlpCode, mlpErr);
            var (mixed, _, mixedErr) = Run(MergeCommand.Run, sharded);
            Assert.AreEqual(1, mixed);
            StringAssert.Contains(mixedErr, "mixes shards of 2 different sweeps");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void Cnn_that_does_not_fit_the_data_is_a_one_line_usage_error()
    {
        // the embedded digits are 8x8: cnn-small's second conv (3x3) meets a 2x2 map
        var (code, stdout, stderr) = Run("--model", "cnn", "--seeds", "1", "--device", "cpu", "--out", Path.Combine(Path.GetTempPath(), "hesscale-q-" + Guid.NewGuid().ToString("N")));
        Assert.AreEqual(2, code);
        Assert.DoesNotContain("quality:", stdout, "nothing ran");
        string first = stderr.Split('\n')[0];
        StringAssert.StartsWith(first, "hesscale quality: --model cnn: ");
        StringAssert.Contains(first, "kernel 3x3");
        StringAssert.EndsWith(first.TrimEnd(), "(2x2 with padding 0x0).");
    }

    [TestMethod]
    [DataRow("resnet", null, "--model expects mlp or cnn, got 'resnet'")]
    [DataRow("cnn", "tanh", "--activation sets the MLP's activation")]
    public void Bad_model_options_exit_2_naming_the_option(string model, string? activation, string message)
    {
        string[] args = activation is null ? ["--model", model] : ["--model", model, "--activation", activation];
        var (code, _, stderr) = Run(args);
        Assert.AreEqual(2, code);
        StringAssert.Contains(stderr.Split('\n')[0], message);
    }

    [TestMethod]
    public void Layer_names_count_each_kind_from_the_input()
    {
        CollectionAssert.AreEqual(new[] { "conv1", "conv1", "conv2", "conv2", "fc1", "fc1" }, QualityExperiment.LayerNames(Models.CnnSmall(new TensorShape(1, 28, 28), 10)));
        CollectionAssert.AreEqual(Enumerable.Range(1, 4).SelectMany(l => new[] { $"fc{l}", $"fc{l}" }).ToArray(), QualityExperiment.LayerNames(QualityExperiment.Spec("tanh", 784, 10)));
    }
}
