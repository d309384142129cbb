using HesScale.Gpu;
using HesScale.Reference;

namespace HesScale.Tests.Golden;

/// <summary>
/// The engine (float32, on the native CPU path and on ILGPU's CPU accelerator) and the double
/// reference against the golden numbers of the official PyTorch + BackPACK code.
/// </summary>
[TestClass]
public sealed class GoldenCaseTests
{
    public static IEnumerable<object[]> EngineCases =>
        GoldenData.CaseNames.SelectMany(name => new[] { DeviceKind.Cpu, DeviceKind.IlgpuCpu }.Select(kind => new object[] { name, kind }));

    public static IEnumerable<object[]> Cases => GoldenData.CaseNames.Select(name => new object[] { name });

    [TestMethod]
    public void GoldenSetIsComplete()
    {
        var names = GoldenData.CaseNames;
        CollectionAssert.AreEqual(Enumerable.Range(0, 8).Select(i => $"case-{i:000}").ToList(), names.ToList());
        foreach (var name in names) Assert.IsTrue(File.Exists(GoldenData.ExpectedPath(name)), $"{name}.expected.json is missing");
    }

    [TestMethod]
    [DynamicData(nameof(EngineCases))]
    public void Engine_matches_golden(string name, DeviceKind kind)
    {
        var c = GoldenData.LoadCase(name);
        var expected = GoldenData.LoadExpected(name);
        Assert.HasCount(c.Spec.Parameters.Count, expected.Parameters, $"{name}: parameter tensors");
        bool crossEntropy = c.Loss.Kind == LossKind.CrossEntropy;
        CurvatureMethod[] methods = [CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN, CurvatureMethod.BL89];

        using var device = ComputeDevice.Create(kind);
        using var network = new Network(device, c.Spec, c.ParametersAsFloat());
        var result = network.Backward(c.InputsAsFloat(), c.Batch, c.ToTargets(), c.Loss, methods);

        string where = $"{name} on {kind}";
        GoldenData.AssertLossClose(expected.Loss, result.Loss, GoldenData.FloatTolerance, where);
        foreach (var info in c.Spec.Parameters)
        {
            var entry = GoldenData.Entry(expected, info, name);
            string tensor = $"{where}, layer {info.LayerIndex} {info.Name}";
            GoldenData.AssertClose(Required(entry.Get("gradient"), tensor, "gradient"), result.Gradient(info.Index), GoldenData.FloatTolerance, tensor + " gradient");
            foreach (var single in CurvatureMethod.Fused)
            {
                string method = single.Id;
                if (single == CurvatureMethod.BL89 && !crossEntropy) continue; // the golden set has bl89 for cross-entropy only
                GoldenData.AssertClose(Required(entry.Get(method), tensor, method), result.Curvature(single, info.Index), GoldenData.FloatTolerance, $"{tensor} {method}");
            }
        }
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Reference_exact_and_ggn_match_golden(string name)
    {
        var c = GoldenData.LoadCase(name);
        var expected = GoldenData.LoadExpected(name);
        Assert.HasCount(c.Spec.Parameters.Count, expected.Parameters, $"{name}: parameter tensors");
        var reference = new ReferenceNetwork(c.Spec, c.Parameters);
        var targets = c.Classes is not null ? ReferenceTargets.FromClasses(c.Classes) : ReferenceTargets.FromValues(c.TargetValues!);

        GoldenData.AssertLossClose(expected.Loss, reference.Loss(c.Inputs, c.Batch, targets, c.Loss), GoldenData.DoubleTolerance, name);
        var exact = reference.ExactDiagonal(c.Inputs, c.Batch, targets, c.Loss);
        var ggn = reference.GgnDiagonal(c.Inputs, c.Batch, targets, c.Loss);
        foreach (var info in c.Spec.Parameters)
        {
            var entry = GoldenData.Entry(expected, info, name);
            string tensor = $"{name} reference, layer {info.LayerIndex} {info.Name}";
            GoldenData.AssertClose(Required(entry.Get("exact"), tensor, "exact"), exact[info.Index], GoldenData.DoubleTolerance, tensor + " exact");
            GoldenData.AssertClose(Required(entry.Get("ggn"), tensor, "ggn"), ggn[info.Index], GoldenData.DoubleTolerance, tensor + " ggn");
        }
    }

    private static double[] Required(double[]? values, string tensor, string method) =>
        values ?? throw new AssertFailedException($"{tensor}: the expected file has no '{method}' array");
}
