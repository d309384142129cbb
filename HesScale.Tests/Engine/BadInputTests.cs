using HesScale.Gpu;

namespace HesScale.Tests.Engine;

/// <summary>Bad input is a clear exception naming what is wrong, raised before any kernel runs.</summary>
[TestClass]
public sealed class BadInputTests
{
    private static readonly NetworkSpec Spec = new(LayerSpec.Linear(3, 4), LayerSpec.Tanh(), LayerSpec.Linear(4, 2));

    private static Network Net() => new(Devices.Native, Spec, seed: 1);

    private static readonly float[] Inputs = [0.1f, 0.2f, 0.3f, -0.1f, -0.2f, -0.3f];

    [TestMethod]
    public void Wrong_input_length_names_the_shape()
    {
        using var net = Net();
        var e = Assert.ThrowsExactly<ArgumentException>(() => net.Backward(Inputs.AsSpan(0, 5), 2, Targets.FromClasses([0, 1]), LossSpec.CrossEntropy()));
        StringAssert.Contains(e.Message, "2 x 3 = 6");
    }

    [TestMethod]
    public void NaN_input_names_the_element()
    {
        using var net = Net();
        var x = (float[])Inputs.Clone();
        x[4] = float.NaN;
        var e = Assert.ThrowsExactly<ArgumentException>(() => net.Backward(x, 2, Targets.FromClasses([0, 1]), LossSpec.CrossEntropy()));
        StringAssert.Contains(e.Message, "[1, 1]");
        StringAssert.Contains(e.Message, "NaN");
    }

    [TestMethod]
    public void Class_label_out_of_range_names_the_sample()
    {
        using var net = Net();
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => net.Backward(Inputs, 2, Targets.FromClasses([0, 2]), LossSpec.CrossEntropy()));
        StringAssert.Contains(e.Message, "sample 1");
        StringAssert.Contains(e.Message, "[0, 2)");
    }

    [TestMethod]
    public void Negative_label_is_rejected()
    {
        using var net = Net();
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => net.Backward(Inputs, 2, Targets.FromClasses([-1, 0]), LossSpec.CrossEntropy()));
    }

    [TestMethod]
    public void Wrong_target_kind_or_count_is_rejected()
    {
        using var net = Net();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => net.Backward(Inputs, 2, Targets.FromClasses([0, 1]), LossSpec.Mse())).Message, "MSE");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => net.Backward(Inputs, 2, Targets.FromValues([1, 2, 3]), LossSpec.Mse())).Message, "2 x 2 = 4");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => net.Backward(Inputs, 2, Targets.FromValues([1, 2, float.PositiveInfinity, 0]), LossSpec.Mse())).Message, "[1, 0]");
    }

    [TestMethod]
    public void Batch_must_be_positive()
    {
        using var net = Net();
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => net.Backward(ReadOnlySpan<float>.Empty, 0, Targets.FromClasses([]), LossSpec.CrossEntropy()));
    }

    [TestMethod]
    public void Bad_parameters_are_rejected()
    {
        using var net = Net();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => net.SetParameter(0, new float[11])).Message, "4 x 3 = 12");
        var w = new float[12];
        w[7] = float.NaN;
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => net.SetParameter(0, w)).Message, "[2, 1]");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => net.GetParameter(4));
        Assert.ThrowsExactly<ArgumentException>(() => new Network(Devices.Native, Spec, [new float[12]]));
    }

    [TestMethod]
    public void Inconsistent_network_spec_is_rejected()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new NetworkSpec(LayerSpec.Linear(3, 4), LayerSpec.Linear(5, 2))).Message, "expects 5 inputs");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new NetworkSpec(LayerSpec.Tanh(), LayerSpec.Linear(5, 2))).Message, "first layer");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LayerSpec.Linear(0, 2));
    }

    [TestMethod]
    public void Unrequested_method_and_stale_results_are_errors()
    {
        using var net = Net();
        var first = net.Backward(Inputs, 2, Targets.FromClasses([0, 1]), LossSpec.CrossEntropy(), CurvatureMethod.HesScale);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => first.Curvature(CurvatureMethod.BL89, 0)).Message, "bl89");
        net.Backward(Inputs, 2, Targets.FromClasses([0, 1]), LossSpec.CrossEntropy());
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => first.Gradient(0)).Message, "superseded");
    }

    [TestMethod]
    public void Disposed_network_and_device_throw()
    {
        var net = Net();
        net.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => net.GetParameter(0));
        var device = ComputeDevice.Create(DeviceKind.Cpu);
        device.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => new Network(device, Spec));
    }

    [TestMethod]
    public void Diverged_parameters_raise_instead_of_returning_NaN()
    {
        using var net = Net();
        net.SetParameter(0, Enumerable.Repeat(3e38f, 12).ToArray());
        net.SetParameter(2, Enumerable.Repeat(3e38f, 8).ToArray());
        Assert.ThrowsExactly<NonFiniteValueException>(() => net.Backward(Inputs, 2, Targets.FromValues([0, 0, 0, 0]), LossSpec.Mse()));
    }
}
