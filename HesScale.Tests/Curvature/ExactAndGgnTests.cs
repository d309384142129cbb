using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Reference;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Curvature;

/// <summary>The exact Hessian and GGN diagonals from the factor-column kernels against the double reference.</summary>
[TestClass]
public sealed class ExactAndGgnTests
{
    public static IEnumerable<object[]> ActivationsAndLosses =>
        RandomCase.Activations.SelectMany(a => new[] { LossKind.CrossEntropy, LossKind.MeanSquaredError }.Select(l => new object[] { a, l }));

    [TestMethod]
    [DynamicData(nameof(ActivationsAndLosses))]
    public void Exact_and_ggn_match_reference_on_the_simulator(LayerKind activation, LossKind loss) =>
        Check(Devices.Simulator, seed: 100 + (int)activation * 2 + (int)loss, maxWidth: 9, maxBatch: 4, activation, loss, hidden: 2);

    [TestMethod]
    [DynamicData(nameof(ActivationsAndLosses))]
    public void Exact_and_ggn_match_reference_natively(LayerKind activation, LossKind loss) =>
        Check(Devices.Native, seed: 300 + (int)activation * 2 + (int)loss, maxWidth: 23, maxBatch: 9, activation, loss, hidden: 3);

    [TestMethod]
    [DataRow(DeviceKind.IlgpuCpu)]
    [DataRow(DeviceKind.Cpu)]
    public void Batch_one_and_no_hidden_layer(DeviceKind kind)
    {
        foreach (int hidden in new[] { 0, 1 })
        {
            var c = RandomCase.Create(7 + hidden, 11, 1, hidden, LayerKind.Tanh, LossSpec.CrossEntropy(Reduction.Sum), batchSize: 1);
            Compare(c, Devices.Get(kind));
        }
    }

    private static void Check(ComputeDevice device, int seed, int maxWidth, int maxBatch, LayerKind activation, LossKind loss, int hidden)
    {
        var reduction = seed % 2 == 0 ? Reduction.Mean : Reduction.Sum;
        var c = RandomCase.Create(seed, maxWidth, maxBatch, hidden, activation, new LossSpec(loss, reduction));
        Compare(c, device);
    }

    private static void Compare(RandomCase c, ComputeDevice device)
    {
        var reference = c.Reference();
        var exact = reference.ExactDiagonal(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss);
        var ggn = reference.GgnDiagonal(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss);
        var gradient = reference.Gradient(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss);

        using var network = CurvatureCases.NetworkFor(c, device);
        using var estimator = new CurvatureEstimator(network);
        var e = estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.Exact);
        double floor = 1e-6 * Math.Max(1, Norms.Norm(exact));
        Assert.IsLessThanOrEqualTo(2e-4, CurvatureCases.RelativeError(CurvatureCases.Diagonals(e, c.Spec), exact, floor), $"exact: {c}");
        var gradients = c.Spec.Parameters.Select(p => e.Gradient(p.Index)).ToArray();
        Assert.IsLessThanOrEqualTo(2e-4, CurvatureCases.RelativeError(gradients, gradient, 1e-6), $"gradient: {c}");

        var g = estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.Ggn);
        Assert.IsLessThanOrEqualTo(2e-4, CurvatureCases.RelativeError(CurvatureCases.Diagonals(g, c.Spec), ggn, floor), $"ggn: {c}");
    }

    [TestMethod]
    public void Golden_exact_and_ggn_from_the_kernels()
    {
        foreach (var name in Golden.GoldenData.CaseNames)
        {
            var c = Golden.GoldenData.LoadCase(name);
            var expected = Golden.GoldenData.LoadExpected(name);
            foreach (var kind in new[] { DeviceKind.Cpu, DeviceKind.IlgpuCpu })
            {
                using var network = new Network(Devices.Get(kind), c.Spec, c.ParametersAsFloat());
                using var estimator = new CurvatureEstimator(network);
                foreach (var (estimatorKind, key) in new[] { (CurvatureMethod.Exact, "exact"), (CurvatureMethod.Ggn, "ggn") })
                {
                    var e = estimator.Estimate(c.InputsAsFloat(), c.Batch, c.ToTargets(), c.Loss, estimatorKind);
                    foreach (var info in c.Spec.Parameters)
                    {
                        var entry = Golden.GoldenData.Entry(expected, info, name);
                        var values = entry.Get(key) ?? throw new AssertFailedException($"{name}: no '{key}' array");
                        Golden.GoldenData.AssertClose(values, e.Diagonal(info.Index), Golden.GoldenData.FloatTolerance, $"{name} on {kind}, layer {info.LayerIndex} {info.Name} {key}");
                    }
                }
            }
        }
    }
}
