using HesScale.Gpu;
using HesScale.Gpu.Curvature;

namespace HesScale.Tests.Golden;

/// <summary>
/// The engine's conv networks (hesscale-case/2: conv2d, pools, flatten) on the native path and ILGPU's CPU
/// accelerator against the official HesScale + BackPACK numbers (golden/README.md), every array the files carry.
/// </summary>
[TestClass]
public sealed class ConvGoldenTests
{
    public static IEnumerable<object[]> EngineCases =>
        ConvCaseNames.SelectMany(name => new[] { DeviceKind.Cpu, DeviceKind.IlgpuCpu }.Select(kind => new object[] { name, kind }));

    /// <summary>conv/case-000 ... (file names without ".json", relative to the golden folder).</summary>
    public static IReadOnlyList<string> ConvCaseNames => Directory.GetFiles(Path.Combine(GoldenData.Directory, "conv"), "case-*.json")
        .Select(Path.GetFileName)
        .Where(n => !n!.EndsWith(".expected.json", StringComparison.Ordinal))
        .Select(n => "conv/" + Path.GetFileNameWithoutExtension(n!))
        .Order(StringComparer.Ordinal)
        .ToList();

    [TestMethod]
    public void Conv_golden_set_is_there() =>
        CollectionAssert.AreEqual(Enumerable.Range(0, 6).Select(i => $"conv/case-{i:000}").ToList(), ConvCaseNames.ToList());

    [TestMethod]
    [DynamicData(nameof(EngineCases))]
    public void Engine_matches_conv_golden(string name, DeviceKind kind)
    {
        var c = GoldenData.LoadCase(name);
        var expected = GoldenData.LoadExpected(name);
        Assert.HasCount(c.Spec.Parameters.Count, expected.Parameters, $"{name}: parameter tensors");
        Assert.IsTrue(c.Spec.Layers.Any(l => l.Kind == LayerKind.Conv2d), $"{name} has no conv2d layer");

        using var device = ComputeDevice.Create(kind);
        using var network = new Network(device, c.Spec, c.ParametersAsFloat());
        string where = $"{name} on {kind}";
        var fused = new[] { CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN };
        var result = network.Backward(c.InputsAsFloat(), c.Batch, c.ToTargets(), c.Loss, fused);
        GoldenData.AssertLossClose(expected.Loss, result.Loss, GoldenData.FloatTolerance, where);
        var arrays = new Dictionary<string, float[][]>
        {
            ["gradient"] = c.Spec.Parameters.Select(p => result.Gradient(p.Index)).ToArray(),
        };
        foreach (var method in fused) arrays[method.Id] = c.Spec.Parameters.Select(p => result.Curvature(method, p.Index)).ToArray();

        using var estimator = new CurvatureEstimator(network);
        foreach (var (method, key) in new[] { (CurvatureMethod.Exact, "exact"), (CurvatureMethod.Ggn, "ggn") })
        {
            var e = estimator.Estimate(c.InputsAsFloat(), c.Batch, c.ToTargets(), c.Loss, method);
            arrays[key] = c.Spec.Parameters.Select(p => e.Diagonal(p.Index)).ToArray();
        }

        int compared = 0;
        foreach (var info in c.Spec.Parameters)
        {
            var entry = GoldenData.Entry(expected, info, name);
            string tensor = $"{where}, layer {info.LayerIndex} {info.Name}";
            foreach (var (key, values) in arrays)
            {
                var golden = entry.Get(key) ?? throw new AssertFailedException($"{tensor}: the expected file has no '{key}' array");
                GoldenData.AssertClose(golden, values[info.Index], GoldenData.FloatTolerance, $"{tensor} {key}");
                compared++;
            }
        }
        Assert.AreEqual(5 * c.Spec.Parameters.Count, compared);
    }
}
