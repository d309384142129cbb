using System.Text.Json;
using HesScale.Gpu;
using HesScale.Reference;

namespace HesScale.Tests.Reference;

/// <summary>
/// The reference against the official PyTorch + BackPACK float64 outputs (shared/golden or HesScale.Tests/Golden):
/// loss, gradient, exact and GGN diagonals, HesScale, HesScaleGN and BL89 to a relative error of 1e-8.
/// </summary>
[TestClass]
public sealed class ReferenceGoldenTests
{
    private const double Tolerance = 1e-8;

    [TestMethod]
    public void Reference_MatchesOfficialGoldenCases()
    {
        var folder = FindGoldenFolder();
        if (folder is null)
        {
            Assert.Inconclusive("No golden cases found (looked for shared/golden or HesScale.Tests/Golden above the test binary).");
            return;
        }
        var cases = Directory.GetFiles(folder, "case-*.json").Where(f => !f.EndsWith(".expected.json", StringComparison.Ordinal)).Order().ToArray();
        var failures = new List<string>();
        foreach (var casePath in cases)
        {
            var expectedPath = casePath[..^".json".Length] + ".expected.json";
            if (!File.Exists(expectedPath)) continue;
            CheckCase(Path.GetFileName(casePath), casePath, expectedPath, failures);
        }
        Assert.IsNotEmpty(cases, $"No case files in {folder}.");
        Assert.IsEmpty(failures, string.Join(Environment.NewLine, failures));
    }

    private static void CheckCase(string name, string casePath, string expectedPath, List<string> failures)
    {
        using var input = JsonDocument.Parse(File.ReadAllText(casePath));
        using var expected = JsonDocument.Parse(File.ReadAllText(expectedPath));
        var root = input.RootElement;

        var layers = new List<LayerSpec>();
        var parameters = new List<double[]>();
        foreach (var layer in root.GetProperty("layers").EnumerateArray())
        {
            string type = layer.GetProperty("type").GetString()!;
            if (type == "linear")
            {
                bool hasBias = layer.TryGetProperty("bias", out var bias) && bias.ValueKind == JsonValueKind.Array;
                layers.Add(LayerSpec.Linear(layer.GetProperty("in").GetInt32(), layer.GetProperty("out").GetInt32(), hasBias));
                parameters.Add(Flatten(layer.GetProperty("weight")));
                if (hasBias) parameters.Add(Flatten(bias));
            }
            else
            {
                Assert.IsTrue(LayerSpec.TryParseKind(type, out var kind), $"{name}: unknown layer type {type}");
                layers.Add(LayerSpec.Activation(kind));
            }
        }
        var spec = new NetworkSpec(layers);
        var lossElement = root.GetProperty("loss");
        var loss = new LossSpec(
            lossElement.GetProperty("type").GetString() == "mse" ? LossKind.MeanSquaredError : LossKind.CrossEntropy,
            lossElement.GetProperty("reduction").GetString() == "sum" ? Reduction.Sum : Reduction.Mean);
        var inputs = Flatten(root.GetProperty("inputs"));
        int batch = root.GetProperty("inputs").GetArrayLength();
        var targetsElement = root.GetProperty("targets");
        var targets = loss.Kind == LossKind.CrossEntropy
            ? ReferenceTargets.FromClasses(targetsElement.EnumerateArray().Select(e => e.GetInt32()).ToArray())
            : ReferenceTargets.FromValues(Flatten(targetsElement));

        var net = new ReferenceNetwork(spec, parameters);
        var ours = new Dictionary<string, double[][]>
        {
            ["gradient"] = net.Gradient(inputs, batch, targets, loss),
            ["exact"] = net.ExactDiagonal(inputs, batch, targets, loss),
            ["ggn"] = net.GgnDiagonal(inputs, batch, targets, loss),
            ["hesscale"] = net.Curvature(inputs, batch, targets, loss, CurvatureMethods.HesScale),
            ["hesscale_gn"] = net.Curvature(inputs, batch, targets, loss, CurvatureMethods.HesScaleGN),
            ["bl89"] = net.Curvature(inputs, batch, targets, loss, CurvatureMethods.BL89),
        };

        var exp = expected.RootElement;
        double expectedLoss = exp.GetProperty("loss").GetDouble();
        double actualLoss = net.Loss(inputs, batch, targets, loss);
        if (Math.Abs(actualLoss - expectedLoss) > Tolerance * Math.Max(1.0, Math.Abs(expectedLoss)))
            failures.Add($"{name} loss: expected {expectedLoss}, got {actualLoss}");

        var tensors = exp.GetProperty("parameters").EnumerateArray().ToArray();
        if (tensors.Length != spec.Parameters.Count)
        {
            failures.Add($"{name}: expected {tensors.Length} tensors, the spec has {spec.Parameters.Count}");
            return;
        }
        for (int t = 0; t < tensors.Length; t++)
        {
            var info = spec.Parameters[t];
            Assert.AreEqual(info.LayerIndex, tensors[t].GetProperty("layer").GetInt32(), $"{name} tensor {t} layer");
            Assert.AreEqual(info.Name, tensors[t].GetProperty("name").GetString(), $"{name} tensor {t} name");
            foreach (var (key, values) in ours)
            {
                if (!tensors[t].TryGetProperty(key, out var array))
                {
                    // bl89 is given for cross-entropy only; for MSE it must equal HesScale.
                    if (key == "bl89" && loss.Kind == LossKind.MeanSquaredError) array = tensors[t].GetProperty("hesscale");
                    else { failures.Add($"{name} tensor {t}: no '{key}'"); continue; }
                }
                var want = Flatten(array);
                double error = RelativeError(values[t], want);
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

    /// <summary>Nested JSON arrays of numbers, row-major.</summary>
    private static double[] Flatten(JsonElement element)
    {
        var result = new List<double>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array) foreach (var x in e.EnumerateArray()) Walk(x);
            else result.Add(e.GetDouble());
        }
        Walk(element);
        return result.ToArray();
    }

    private static string? FindGoldenFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "golden"), Path.Combine(dir.FullName, "HesScale.Tests", "Golden") })
            {
                if (Directory.Exists(candidate) && Directory.GetFiles(candidate, "case-*.expected.json").Length > 0) return candidate;
            }
        }
        return null;
    }
}
