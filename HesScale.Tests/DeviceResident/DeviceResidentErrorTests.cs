using HesScale.Gpu;
using HesScale.Tests.Engine;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace HesScale.Tests.DeviceResident;

/// <summary>
/// Bad device-resident arguments are one clear exception naming the parameter, thrown before
/// anything changes (the previous result stays readable); the native cpu device refuses views.
/// </summary>
[TestClass]
public sealed class DeviceResidentErrorTests
{
    private static readonly NetworkSpec Spec = new(LayerSpec.Linear(3, 4), LayerSpec.Tanh(), LayerSpec.Linear(4, 2));

    [TestMethod]
    public void A_view_from_another_accelerator_is_an_argument_error()
    {
        var device = Devices.Simulator;
        using var net = new Network(device, Spec, seed: 1);
        using var context = Context.Create(b => b.CPU(new CPUDevice(2, 1, 1)).EnableAlgorithms());
        using var other = context.CreateCPUAccelerator(0);
        using var foreignInputs = DeviceData.Upload(other, new float[2 * 3]);
        using var foreignClasses = DeviceData.Upload(other, new[] { 0, 1 });
        using var inputs = DeviceData.Upload(device.Accelerator!, new float[2 * 3]);
        using var classes = DeviceData.Upload(device.Accelerator!, new[] { 0, 1 });
        var before = net.Backward(inputs.View, 2, classes.View, LossSpec.CrossEntropy());

        var e = Assert.ThrowsExactly<ArgumentException>(() => net.Backward(foreignInputs.View, 2, classes.View, LossSpec.CrossEntropy()));
        Assert.AreEqual("inputs", e.ParamName);
        StringAssert.Contains(e.Message, "another accelerator");
        e = Assert.ThrowsExactly<ArgumentException>(() => net.Backward(inputs.View, 2, foreignClasses.View, LossSpec.CrossEntropy()));
        Assert.AreEqual("targets", e.ParamName);
        StringAssert.Contains(e.Message, "another accelerator");
        e = Assert.ThrowsExactly<ArgumentException>(() => net.Forward(foreignInputs.View, 2));
        Assert.AreEqual("inputs", e.ParamName);
        Assert.HasCount(4 * 3, before.Gradient(0)); // nothing ran: the earlier result is still current
    }

    [TestMethod]
    public void Wrong_lengths_kinds_and_batches_are_clear_errors()
    {
        var device = Devices.Simulator;
        var accelerator = device.Accelerator!;
        using var net = new Network(device, Spec, seed: 1);
        using var inputs = DeviceData.Upload(accelerator, new float[2 * 3]);
        using var classes = DeviceData.Upload(accelerator, new[] { 0, 1 });
        using var values = DeviceData.Upload(accelerator, new float[2 * 2]);
        var before = net.Backward(inputs.View, 2, classes.View, LossSpec.CrossEntropy());
        var ce = LossSpec.CrossEntropy();

        void Expect(string param, string fragment, Action call)
        {
            var e = Assert.Throws<ArgumentException>(call);
            Assert.AreEqual(param, e.ParamName, e.Message);
            StringAssert.Contains(e.Message, fragment);
        }
        Expect("inputs", "expected 6 elements, got a view of 5", () => net.Backward(inputs.View.SubView(0, 5), 2, classes.View, ce));
        Expect("inputs", "expected 3 elements, got a view of 6", () => net.Backward(inputs.View, 1, classes.View.SubView(0, 1), ce));
        Expect("targets", "expected 2 elements, got a view of 1", () => net.Backward(inputs.View, 2, classes.View.SubView(0, 1), ce));
        Expect("targets", "expected 4 elements, got a view of 3", () => net.Backward(inputs.View, 2, values.View.SubView(0, 3), LossSpec.Mse()));
        Expect("targets", "for cross-entropy", () => net.Backward(inputs.View, 2, classes.View, LossSpec.Mse()));
        Expect("targets", "for the mean squared error", () => net.Backward(inputs.View, 2, values.View, ce));
        Expect("inputs", "not valid", () => net.Backward(default(ArrayView<float>), 2, classes.View, ce));
        Expect("inputs", "expected 6 elements, got a view of 5", () => net.Forward(inputs.View.SubView(0, 5), 2));
        Expect("methods", "Unknown curvature method", () => net.Backward(inputs.View, 2, classes.View, ce, CurvatureMethod.Exact));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => net.Backward(inputs.View, 0, classes.View, ce));
        Assert.HasCount(4 * 3, before.Gradient(0)); // nothing ran
    }

    [TestMethod]
    public void The_native_cpu_device_refuses_device_resident_passes_and_views()
    {
        Assert.IsNull(Devices.Native.Accelerator);
        using var net = new Network(Devices.Native, Spec, seed: 1);
        using var inputs = DeviceData.Upload(Devices.Simulator.Accelerator!, new float[2 * 3]);
        using var classes = DeviceData.Upload(Devices.Simulator.Accelerator!, new[] { 0, 1 });
        var e = Assert.ThrowsExactly<NotSupportedException>(() => net.Backward(inputs.View, 2, classes.View, LossSpec.CrossEntropy()));
        StringAssert.Contains(e.Message, "host-array overloads");
        Assert.ThrowsExactly<NotSupportedException>(() => net.Forward(inputs.View, 2));

        var r = net.Backward(new float[2 * 3], 2, Targets.FromClasses([0, 1]), LossSpec.CrossEntropy(), CurvatureMethod.HesScale);
        Assert.ThrowsExactly<NotSupportedException>(() => r.GradientView(0));
        Assert.ThrowsExactly<NotSupportedException>(() => r.CurvatureView(CurvatureMethod.HesScale, 0));
        Assert.ThrowsExactly<NotSupportedException>(() => r.LossSharesView);
        Assert.IsTrue(r.Loss > 0); // the host path is unchanged
    }

    [TestMethod]
    public void A_host_computed_loss_has_no_device_shares()
    {
        var device = Devices.Simulator;
        using var net = new Network(device, Spec, seed: 1);
        var r = net.Backward(new float[3], 1, new HalfSquaresLoss());
        Assert.ThrowsExactly<InvalidOperationException>(() => r.LossSharesView);
        Assert.HasCount(4 * 3, DeviceData.Read(r.GradientView(0)));
    }
}
