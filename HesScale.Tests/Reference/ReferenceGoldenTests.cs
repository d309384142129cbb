using System.Text.Json;
using HesScale.Gpu;
using HesScale.Reference;
using HesScale.Tests.Golden;

namespace HesScale.Tests.Reference;

/// <summary>
/// The reference against the official PyTorch + BackPACK float64 outputs, to a relative error of 1e-8: the MLP cases
/// (Golden/, hesscale-case/1: loss, gradient, exact, GGN, HesScale, HesScaleGN, BL89) and the conv cases
/// (Golden/conv/, hesscale-case/2: the same without BL89). A missing folder, case or expected file fails the test.
/// Cases in a shared/golden folder above the test binary (the full shared set) are checked too.
/// </summary>
[TestClass]
public sealed class ReferenceGoldenTests
{
    private const double Tolerance = GoldenData.DoubleTolerance;

    [TestMethod]
    public void Reference_MatchesOfficialGoldenCases() => CheckFolder("", minimumCases: 8);

    [TestMethod]
    public void Reference_MatchesOfficialConvGoldenCases() => CheckFolder("conv", minimumCases: 6);

    /// <summary>Every case in Golden/<paramref name="sub"/> (and in shared/golden/<paramref name="sub"/> when found).</summary>
    private static void CheckFolder(string sub, int minimumCases)
    {
        var folder = Path.Combine(GoldenData.Directory, sub);
        Assert.IsTrue(Directory.Exists(folder), $"The golden folder {folder} is missing (HesScale.Tests/Golden is copied next to the test binary).");
        var cases = Pairs(folder, sub);
        Assert.IsGreaterThanOrEqualTo(minimumCases, cases.Count, $"{folder} holds {cases.Count} complete cases, expected at least {minimumCases}.");
        if (SharedFolder(sub) is { } shared)
        {
            foreach (var (name, path) in Pairs(shared, sub)) cases.TryAdd(name, path);
        }

        var failures = new List<string>();
        foreach (var (name, casePath) in cases) CheckCase(name, casePath, casePath[..^".json".Length] + ".expected.json", failures);
        Assert.IsEmpty(failures, string.Join(Environment.NewLine, failures));
    }

    /// <summary>case name -> case path; fails when a case has no expected file or an expected file no case.</summary>
    private static SortedDictionary<string, string> Pairs(string folder, string sub)
    {
        var files = Directory.GetFiles(folder, "case-*.json").Select(Path.GetFileName).ToHashSet();
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (file!.EndsWith(".expected.json", StringComparison.Ordinal))
            {
                Assert.Contains(file[..^".expected.json".Length] + ".json", files, $"{folder}: {file} has no case file.");
                continue;
            }
            string name = file[..^".json".Length];
            Assert.Contains(name + ".expected.json", files, $"{folder}: {file} has no expected file.");
            result[sub.Length == 0 ? name : sub + "/" + name] = Path.Combine(folder, file);
        }
        return result;
    }

    private static void CheckCase(string name, string casePath, string expectedPath, List<string> failures)
    {
        var c = ReferenceCaseReader.Load(casePath);
        using var expected = JsonDocument.Parse(File.ReadAllText(expectedPath));
        var net = c.Net;
        var ours = new Dictionary<string, double[][]>
        {
            ["gradient"] = net.Gradient(c.Inputs, c.Batch, c.Targets, c.Loss),
            ["exact"] = net.ExactDiagonal(c.Inputs, c.Batch, c.Targets, c.Loss),
            ["ggn"] = net.GgnDiagonal(c.Inputs, c.Batch, c.Targets, c.Loss),
            ["hesscale"] = net.Curvature(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.HesScale),
            ["hesscale_gn"] = net.Curvature(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.HesScaleGN),
            ["bl89"] = net.Curvature(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.BL89),
        };

        var exp = expected.RootElement;
        double expectedLoss = exp.GetProperty("loss").GetDouble();
        double actualLoss = net.Loss(c.Inputs, c.Batch, c.Targets, c.Loss);
        if (!(Math.Abs(actualLoss - expectedLoss) <= Tolerance * Math.Max(1.0, Math.Abs(expectedLoss))))
            failures.Add($"{name} loss: expected {expectedLoss}, got {actualLoss}");

        var tensors = exp.GetProperty("parameters").EnumerateArray().ToArray();
        if (tensors.Length != net.Parameters.Count)
        {
            failures.Add($"{name}: expected {tensors.Length} tensors, the network has {net.Parameters.Count}");
            return;
        }
        bool conv = net.Layers.Any(l => !l.InputShape.IsVector);
        for (int t = 0; t < tensors.Length; t++)
        {
            var info = net.Parameters[t];
            Assert.AreEqual(info.LayerIndex, tensors[t].GetProperty("layer").GetInt32(), $"{name} tensor {t} layer");
            Assert.AreEqual(info.Name, tensors[t].GetProperty("name").GetString(), $"{name} tensor {t} name");
            foreach (var (key, values) in ours)
            {
                if (!tensors[t].TryGetProperty(key, out var array))
                {
                    // bl89 is given for cross-entropy MLP cases only; for MSE it must equal HesScale; conv cases have none.
                    if (key == "bl89" && c.Loss.Kind == LossKind.MeanSquaredError) array = tensors[t].GetProperty("hesscale");
                    else if (key == "bl89" && conv) continue;
                    else { failures.Add($"{name} tensor {t}: no '{key}'"); continue; }
                }
                double error = RelativeError(values[t], ReferenceCaseReader.Flatten(array));
                if (!(error <= Tolerance))
                    failures.Add($"{name} layer {info.LayerIndex} {info.Name} {key}: relative error {error:E3}");
            }
        }
    }

    /// <summary>||ours - expected|| / ||expected|| (absolute when expected is all zeros).</summary>
    private static double RelativeError(double[] ours, double[] expected)
    {
        if (ours.Length != expected.Length) return double.PositiveInfinity;
        double diff = 0, norm = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            diff += (ours[i] - expected[i]) * (ours[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        return norm == 0 ? Math.Sqrt(diff) : Math.Sqrt(diff / norm);
    }

    /// <summary>shared/golden/<paramref name="sub"/> in a folder above the test binary, if there is one with cases.</summary>
    private static string? SharedFolder(string sub)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "golden", sub);
            if (Directory.Exists(candidate) && Directory.GetFiles(candidate, "case-*.expected.json").Length > 0) return candidate;
        }
        return null;
    }
}
