using HesScale.Gpu;
using HesScale.Gpu.Optimizers;

namespace HesScale.Tests.Engine;

/// <summary>
/// Launch and host-synchronisation budget of one step on an ILGPU device: one kernel per Linear
/// layer forward (fused with the activation after it), one for the loss, and at most two per Linear layer backward (the
/// input product carries the backward of the activation before it; the first layer needs no input stack), whatever the number of curvature methods; one host wait
/// (reading the loss). An optimizer step adds launches but no host wait.
/// </summary>
[TestClass]
public sealed class LaunchCountTests
{
    [TestMethod]
    [DataRow("")]
    [DataRow("hesscale,hesscale_gn,bl89")]
    public void Backward_launches_one_kernel_per_operation_and_waits_once(string ids)
    {
        var methods = ids.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(CurvatureMethod.Parse).ToArray();
        var spec = new NetworkSpec(LayerSpec.Linear(5, 7), LayerSpec.Tanh(), LayerSpec.Linear(7, 3), LayerSpec.Sigmoid(), LayerSpec.Linear(3, 2));
        var device = Devices.Simulator;
        using var net = new Network(device, spec, seed: 3);
        float[] x = new float[3 * 5];
        var targets = Targets.FromClasses([0, 1, 1]);
        net.Backward(x, 3, targets, LossSpec.CrossEntropy(), methods); // warm-up: workspace allocation
        long launches = device.KernelLaunches, syncs = device.HostSynchronizations;
        net.Backward(x, 3, targets, LossSpec.CrossEntropy(), methods);
        // forward: 2 fused Linear + activation, 1 Linear; loss 1; backward: 2 + 2 + 1 (Linear; Sigmoid and Tanh
        // ride in the input products of the Linear layers after them)
        Assert.AreEqual(3 + 1 + 5, device.KernelLaunches - launches);
        Assert.AreEqual(1, device.HostSynchronizations - syncs);
    }

    [TestMethod]
    public void Optimizer_step_does_not_wait_for_the_device()
    {
        var spec = new NetworkSpec(LayerSpec.Linear(5, 7), LayerSpec.Tanh(), LayerSpec.Linear(7, 3));
        var device = Devices.Simulator;
        using var net = new Network(device, spec, seed: 3);
        using var opt = Optimizer.Create("scaled_adahesscale", net, new OptimizerSettings());
        float[] x = new float[2 * 5];
        var targets = Targets.FromClasses([0, 2]);
        var result = net.Backward(x, 2, targets, LossSpec.CrossEntropy(), opt.RequiredCurvature);
        long launches = device.KernelLaunches, syncs = device.HostSynchronizations;
        opt.Step(result);
        Assert.IsGreaterThan(0L, device.KernelLaunches - launches);
        Assert.AreEqual(0, device.HostSynchronizations - syncs);
    }
}
