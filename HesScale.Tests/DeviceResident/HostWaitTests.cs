using HesScale.Gpu;
using HesScale.Gpu.Optimizers;
using HesScale.Tests.Engine;

namespace HesScale.Tests.DeviceResident;

/// <summary>
/// A training step that reads nothing (device-resident forward + backward, optimizer step)
/// makes no host wait, for every optimizer that steps from a Backward result; reading the loss
/// afterwards (past the optimizer step) is the one wait.
/// </summary>
[TestClass]
public sealed class HostWaitTests
{
    [TestMethod]
    [DataRow("sgd")]
    [DataRow("adam")]
    [DataRow("adahesscale")]
    [DataRow("adahesscale_gn")]
    [DataRow("bl89")]
    [DataRow("scaled_adam")]
    [DataRow("scaled_adahesscale")]
    [DataRow("scaled_adahesscale_gn")]
    public void A_step_that_reads_nothing_makes_no_host_wait(string optimizer)
    {
        var spec = new NetworkSpec(LayerSpec.Linear(5, 7), LayerSpec.Tanh(), LayerSpec.Linear(7, 3), LayerSpec.Sigmoid(), LayerSpec.Linear(3, 4));
        var device = Devices.Simulator;
        var accelerator = device.Accelerator!;
        using var net = new Network(device, spec, seed: 4);
        using var opt = Optimizer.Create(optimizer, net, new OptimizerSettings { LearningRate = 0.05f });
        var rng = new Random(4);
        const int batch = 3;
        using var inputs = DeviceData.Upload(accelerator, Enumerable.Range(0, batch * 5).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray());
        using var classes = DeviceData.Upload(accelerator, new[] { 0, 3, 1 });

        opt.Step(net.Backward(inputs.View, batch, classes.View, LossSpec.CrossEntropy(), opt.RequiredCurvature)); // warm-up: workspace, kernels
        long syncs = device.HostSynchronizations, launches = device.KernelLaunches;
        BackwardResult? last = null;
        for (int step = 0; step < 3; step++)
        {
            last = net.Backward(inputs.View, batch, classes.View, LossSpec.CrossEntropy(), opt.RequiredCurvature);
            opt.Step(last);
        }
        Assert.AreEqual(0, device.HostSynchronizations - syncs, $"{optimizer}: host waits in 3 steps that read nothing");
        Assert.IsGreaterThan(3L * 10, device.KernelLaunches - launches, $"{optimizer}: the steps were queued");

        float loss = last!.Loss; // after the optimizer step: still this pass's loss
        Assert.IsTrue(float.IsFinite(loss) && loss > 0, $"{optimizer}: loss {loss}");
        Assert.AreEqual(1, device.HostSynchronizations - syncs, $"{optimizer}: reading the loss is the one wait");
    }

    [TestMethod]
    [DataRow(LossKind.CrossEntropy)]
    [DataRow(LossKind.MeanSquaredError)]
    public void A_device_resident_pass_launches_what_the_host_pass_launches(LossKind kind)
    {
        var spec = new NetworkSpec(LayerSpec.Linear(5, 7), LayerSpec.Tanh(), LayerSpec.Linear(7, 3));
        var device = Devices.Simulator;
        using var net = new Network(device, spec, seed: 5);
        var loss = new LossSpec(kind);
        float[] x = new float[2 * 5];
        var targets = kind == LossKind.CrossEntropy ? Targets.FromClasses([2, 0]) : Targets.FromValues(new float[2 * 3]);
        using var xs = DeviceData.Upload(device.Accelerator!, x);
        using var classes = DeviceData.Upload(device.Accelerator!, new[] { 2, 0 });
        using var values = DeviceData.Upload(device.Accelerator!, new float[2 * 3]);
        CurvatureMethod[] methods = [CurvatureMethod.HesScale, CurvatureMethod.BL89];

        net.Backward(x, 2, targets, loss, methods); // warm-up: workspace
        long before = device.KernelLaunches;
        net.Backward(x, 2, targets, loss, methods);
        long host = device.KernelLaunches - before;
        before = device.KernelLaunches;
        _ = kind == LossKind.CrossEntropy ? net.Backward(xs.View, 2, classes.View, loss, methods) : net.Backward(xs.View, 2, values.View, loss, methods);
        Assert.AreEqual(host, device.KernelLaunches - before);
    }

    [TestMethod]
    public void The_loss_of_a_pass_cannot_be_read_after_the_next_pass()
    {
        var spec = new NetworkSpec(LayerSpec.Linear(2, 3));
        var device = Devices.Simulator;
        using var net = new Network(device, spec, seed: 1);
        using var inputs = DeviceData.Upload(device.Accelerator!, new[] { 0.5f, -1f });
        using var targets = DeviceData.Upload(device.Accelerator!, new[] { 1f, 0f, -1f });
        var first = net.Backward(inputs.View, 1, targets.View, LossSpec.Mse());
        var second = net.Backward(inputs.View, 1, targets.View, LossSpec.Mse());
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => first.Loss);
        StringAssert.Contains(e.Message, "before the next pass");
        Assert.ThrowsExactly<InvalidOperationException>(() => first.LossSharesView);
        Assert.ThrowsExactly<InvalidOperationException>(() => first.GradientView(0));
        Assert.IsTrue(second.Loss > 0);
    }

    [TestMethod]
    public void A_class_outside_the_outputs_shows_as_a_non_finite_loss_when_read()
    {
        var spec = new NetworkSpec(LayerSpec.Linear(2, 3));
        var device = Devices.Simulator;
        using var net = new Network(device, spec, seed: 1);
        using var inputs = DeviceData.Upload(device.Accelerator!, new[] { 0.5f, -1f, 0.25f, 2f });
        foreach (int bad in new[] { 3, -1, int.MaxValue })
        {
            using var classes = DeviceData.Upload(device.Accelerator!, new[] { 0, bad });
            var r = net.Backward(inputs.View, 2, classes.View, LossSpec.CrossEntropy());
            Assert.ThrowsExactly<NonFiniteValueException>(() => r.Loss, $"class {bad}");
            Assert.IsTrue(float.IsNaN(DeviceData.Read(r.LossSharesView)[1]), $"class {bad}: the sample's share is NaN");
            Assert.IsTrue(float.IsFinite(DeviceData.Read(r.LossSharesView)[0]), $"class {bad}: the valid sample is untouched");
        }
    }
}
