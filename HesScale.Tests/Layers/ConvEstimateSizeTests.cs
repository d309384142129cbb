using HesScale.Gpu.Curvature;

namespace HesScale.Tests.Layers;

/// <summary>
/// The exact estimate keeps a residual column per activation output; on conv nets that is C*H*W per activation,
/// so its column stack can pass what one buffer indexes. That must be a one-line error before anything runs.
/// </summary>
[TestClass]
public sealed class ConvEstimateSizeTests
{
    [TestMethod]
    public void An_exact_estimate_beyond_one_buffer_is_a_one_line_error()
    {
        // 8x64x64 after each conv: two ReLUs add 2 x 32,768 residual columns; x batch 1 x width 32,768 > 2^30.
        var spec = new NetworkSpec(new TensorShape(1, 64, 64),
            [LayerSpec.Conv2d(1, 8, 3, 3, padH: 1, padW: 1), LayerSpec.ReLU(), LayerSpec.Conv2d(8, 8, 3, 3, padH: 1, padW: 1),
             LayerSpec.ReLU(), LayerSpec.Flatten(), LayerSpec.Linear(8 * 64 * 64, 3)]);
        using var device = ComputeDevice.Create(DeviceKind.Cpu);
        using var network = new Network(device, spec, seed: 1);
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
}
