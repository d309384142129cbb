using HesScale.Gpu;
using HesScale.Gpu.Optimizers;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace HesScale.Tests.DeviceResident;

/// <summary>
/// A device made from the application's accelerator runs passes there and, when it and its
/// networks and optimizers are disposed, leaves the application's Context and Accelerator working.
/// </summary>
[TestClass]
public sealed class ApplicationAcceleratorTests
{
    [TestMethod]
    public void Disposing_our_objects_never_disposes_the_applications_accelerator()
    {
        using var context = Context.Create(b => b.CPU(new CPUDevice(2, 1, 1)).EnableAlgorithms());
        using var accelerator = context.CreateCPUAccelerator(0);
        var spec = new NetworkSpec(LayerSpec.Linear(3, 5), LayerSpec.ReLU(), LayerSpec.Linear(5, 2));
        using var inputs = DeviceData.Upload(accelerator, new[] { 0.1f, -0.2f, 0.3f, 1f, 0.5f, -1f });
        using var classes = DeviceData.Upload(accelerator, new[] { 1, 0 });

        float firstLoss;
        for (int round = 0; round < 2; round++) // the second device on the same accelerator works too
        {
            var device = ComputeDevice.FromAccelerator(accelerator);
            Assert.AreSame(accelerator, device.Accelerator);
            Assert.AreEqual(DeviceKind.IlgpuCpu, device.Kind);
            var net = new Network(device, spec, seed: 2);
            var opt = Optimizer.Create("adahesscale", net, new OptimizerSettings());
            var r = net.Backward(inputs.View, 2, classes.View, LossSpec.CrossEntropy(), opt.RequiredCurvature);
            opt.Step(r);
            firstLoss = r.Loss;
            Assert.IsTrue(float.IsFinite(firstLoss) && firstLoss > 0, $"round {round}: loss {firstLoss}");
            opt.Dispose();
            net.Dispose();
            device.Dispose();
            Assert.ThrowsExactly<ObjectDisposedException>(() => device.Accelerator);
            Assert.IsFalse(accelerator.IsDisposed, $"round {round}: the accelerator was disposed with our objects");
            Assert.IsFalse(context.IsDisposed, $"round {round}: the context was disposed with our objects");
        }

        // The application's own memory and copies still work on its accelerator.
        using var mine = accelerator.Allocate1D(new[] { 1f, 2f, 3f });
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f }, mine.GetAsArray1D());
        CollectionAssert.AreEqual(new[] { 1, 0 }, classes.GetAsArray1D());
    }

    [TestMethod]
    public void A_disposed_accelerator_is_refused()
    {
        using var context = Context.Create(b => b.CPU(new CPUDevice(2, 1, 1)).EnableAlgorithms());
        var accelerator = context.CreateCPUAccelerator(0);
        accelerator.Dispose();
        var e = Assert.ThrowsExactly<ArgumentException>(() => ComputeDevice.FromAccelerator(accelerator));
        Assert.AreEqual("accelerator", e.ParamName);
    }
}
