using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Gpu.Optimizers;

namespace HesScale.Tests.Engine;

/// <summary>Results, estimates and networks refuse use once what they describe has changed or is gone.</summary>
[TestClass]
public sealed class StaleResultTests
{
    private static readonly NetworkSpec Spec = new(LayerSpec.Linear(3, 4), LayerSpec.Tanh(), LayerSpec.Linear(4, 2));
    private static readonly float[] Inputs = [0.1f, 0.2f, 0.3f, -0.1f, -0.2f, -0.3f];

    private sealed class NaNLoss : IOutputLoss
    {
        public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal) => double.NaN;
    }

    [TestMethod]
    public void A_failed_pass_makes_the_previous_result_stale()
    {
        using var net = new Network(Devices.Native, Spec, seed: 1);
        var first = net.Backward(Inputs, 2, Targets.FromClasses([0, 1]), LossSpec.CrossEntropy());
        Assert.ThrowsExactly<NonFiniteValueException>(() => net.Backward(Inputs, 2, new NaNLoss()));
        Assert.ThrowsExactly<InvalidOperationException>(() => first.Gradient(0));
    }

    [TestMethod]
    public void An_optimizer_refuses_a_disposed_network()
    {
        var net = new Network(Devices.Native, Spec, seed: 1);
        using var opt = Optimizer.Create("adam", net, new OptimizerSettings());
        var result = net.Backward(Inputs, 2, Targets.FromClasses([0, 1]), LossSpec.CrossEntropy());
        net.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => opt.Step(result));
    }

    [TestMethod]
    public void An_estimate_taken_before_a_parameter_change_is_refused()
    {
        using var net = new Network(Devices.Native, Spec, seed: 1);
        using var estimator = new CurvatureEstimator(net);
        using var opt = Optimizer.Create("adahessian", net, new OptimizerSettings());
        var estimate = estimator.Estimate(Inputs, 2, Targets.FromClasses([0, 1]), LossSpec.CrossEntropy(), CurvatureMethod.Hutchinson, 1, opt.NextSeed);
        net.SetParameter(0, net.GetParameter(0));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => opt.Step(estimate)).Message, "before the network's parameters changed");
    }

    [TestMethod]
    public void An_estimate_of_another_network_is_refused()
    {
        using var a = new Network(Devices.Native, Spec, seed: 1);
        using var b = new Network(Devices.Native, Spec, seed: 2);
        using var estimator = new CurvatureEstimator(b);
        using var opt = Optimizer.Create("adaggnmc", a, new OptimizerSettings());
        var estimate = estimator.Estimate(Inputs, 2, Targets.FromClasses([0, 1]), LossSpec.CrossEntropy(), CurvatureMethod.GgnMc, 1, 0);
        Assert.ThrowsExactly<ArgumentException>(() => opt.Step(estimate));
    }

    [TestMethod]
    public void Workspaces_past_int_indexing_are_a_clear_error()
    {
        var wide = new NetworkSpec(LayerSpec.Linear(1, 70000), LayerSpec.Tanh(), LayerSpec.Linear(70000, 1));
        using var net = new Network(Devices.Native, wide, seed: 1);
        var x = new float[40000];
        // 4 channels x 40000 x 70000 floats > 2^31 - 1.
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => net.Backward(x, 40000, Targets.FromValues(new float[40000]), LossSpec.Mse(),
            CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN, CurvatureMethod.BL89));
        StringAssert.Contains(e.Message, "2^31 - 1");
    }
}
