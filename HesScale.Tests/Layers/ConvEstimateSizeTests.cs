using HesScale.Gpu.Curvature;
using HesScale.Reference;
using HesScale.Tests.Curvature;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Layers;

/// <summary>
/// The exact estimate keeps a residual column s''(a) g per output of a curved activation; on conv nets that is C*H*W per
/// activation, so its column stack can pass what one buffer indexes: a one-line error before anything runs. ReLU-like
/// activations (s'' = 0) add none, so exact on a ReLU conv net costs what the GGN does and still matches the reference.
/// </summary>
[TestClass]
public sealed class ConvEstimateSizeTests
{
    // 8x64x64 after each conv; flatten to 32,768 features.
    private static NetworkSpec Wide(LayerSpec activation) => new(new TensorShape(1, 64, 64),
        [LayerSpec.Conv2d(1, 8, 3, 3, padH: 1, padW: 1), activation, LayerSpec.Conv2d(8, 8, 3, 3, padH: 1, padW: 1),
         activation, LayerSpec.Flatten(), LayerSpec.Linear(8 * 64 * 64, 3)]);

    [TestMethod]
    public void An_exact_estimate_beyond_one_buffer_is_a_one_line_error()
    {
        // two tanh layers add 2 x 32,768 residual columns; x batch 1 x width 32,768 > 2^30.
        using var device = ComputeDevice.Create(DeviceKind.Cpu);
        using var network = new Network(device, Wide(LayerSpec.Tanh()), seed: 1);
        using var estimator = new CurvatureEstimator(network);
        var x = new float[64 * 64];
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            estimator.Estimate(x, 1, Targets.FromClasses([2]), LossSpec.CrossEntropy(), CurvatureMethod.Exact));
        Assert.DoesNotContain("\n", e.Message.Split(" (Parameter")[0], "one line");
        StringAssert.Contains(e.Message, "column stack");
        // a cheap method on the same network runs
        var ok = estimator.Estimate(x, 1, Targets.FromClasses([2]), LossSpec.CrossEntropy(), CurvatureMethod.Kfac);
        Assert.IsTrue(ok.Diagonal(0).All(float.IsFinite));
    }

    [TestMethod]
    public void Exact_on_the_same_relu_network_adds_no_residual_columns_and_equals_the_ggn()
    {
        // ReLU and max pooling are piecewise linear: the exact diagonal is the GGN's, from the 3 output columns alone.
        using var device = ComputeDevice.Create(DeviceKind.Cpu);
        var spec = Wide(LayerSpec.ReLU());
        using var network = new Network(device, spec, seed: 1);
        using var estimator = new CurvatureEstimator(network);
        var rng = new Random(4);
        var x = Enumerable.Range(0, 64 * 64).Select(_ => (float)rng.NextDouble()).ToArray();
        var exact = CurvatureCases.Diagonals(estimator.Estimate(x, 1, Targets.FromClasses([2]), LossSpec.CrossEntropy(), CurvatureMethod.Exact), spec);
        var ggn = CurvatureCases.Diagonals(estimator.Estimate(x, 1, Targets.FromClasses([2]), LossSpec.CrossEntropy(), CurvatureMethod.Ggn), spec);
        Assert.IsGreaterThan(0.0, exact[0].Sum(v => Math.Abs((double)v)), "the first conv's diagonal is not all zero");
        for (int p = 0; p < spec.Parameters.Count; p++) CollectionAssert.AreEqual(ggn[p], exact[p], $"parameter {p}");
    }

    [TestMethod]
    [DataRow(DeviceKind.Cpu, 1)]
    [DataRow(DeviceKind.Cpu, 3)]
    [DataRow(DeviceKind.IlgpuCpu, 1)]
    [DataRow(DeviceKind.IlgpuCpu, 3)]
    public void Exact_on_a_relu_conv_net_matches_the_reference(DeviceKind kind, int batch)
    {
        // Odd shapes: 2x7x6 input, padding 1, overlapping max pool, a 2x3 kernel with stride 2 across, leaky ReLU, a tanh head
        // (the tanh keeps its residual columns next to the ReLU layers that add none).
        var spec = new NetworkSpec(new TensorShape(2, 7, 6),
        [
            LayerSpec.Conv2d(2, 3, 3, 3, padH: 1, padW: 1), LayerSpec.ReLU(), LayerSpec.MaxPool2d(2, 2, 1, 1),
            LayerSpec.Conv2d(3, 4, 2, 3, strideH: 1, strideW: 2), LayerSpec.LeakyReLU(), LayerSpec.Flatten(),
        ]);
        spec = new NetworkSpec(spec.InputShape, [.. spec.Layers, LayerSpec.Linear(spec.OutputSize, 5), LayerSpec.Tanh(), LayerSpec.Linear(5, 3)]);
        var parameters = spec.InitialParameters(3);
        var rng = new Random(batch);
        var inputs = Enumerable.Range(0, batch * spec.InputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var classes = Enumerable.Range(0, batch).Select(_ => rng.Next(3)).ToArray();
        var reference = new ReferenceNetwork(spec, parameters.Select(p => p.Select(v => (double)v).ToArray()).ToArray());
        var expected = reference.ExactDiagonal(inputs.Select(v => (double)v).ToArray(), batch, ReferenceTargets.FromClasses((int[])classes.Clone()), LossSpec.CrossEntropy());

        using var network = new Network(Devices.Get(kind), spec, parameters);
        using var estimator = new CurvatureEstimator(network);
        var exact = CurvatureCases.Diagonals(estimator.Estimate(inputs, batch, Targets.FromClasses(classes), LossSpec.CrossEntropy(), CurvatureMethod.Exact), spec);
        Assert.IsGreaterThan(0.0, Norms.Norm([expected[0]]), "the first conv's reference diagonal is not all zero, so the comparison can fail");
        Assert.IsLessThanOrEqualTo(2e-4, CurvatureCases.RelativeError(exact, expected, 1e-6 * Math.Max(1, Norms.Norm(expected))), $"{spec} batch {batch} on {kind}");
    }
}
