using HesScale.Gpu;
using HesScale.Gpu.Data;
using HesScale.Gpu.Optimizers;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace HesScale.Tests.DeviceResident;

/// <summary>
/// The README's device-resident example, kept compiling and running: the same lines on the
/// CPU simulator instead of CUDA (Context and accelerator creation differ, nothing else).
/// </summary>
[TestClass]
public sealed class ReadmeDeviceExampleTests
{
    [TestMethod]
    public void Readme_device_resident_example_runs()
    {
        using var output = new StringWriter();
        var digits = Digits.LoadStandardizedSplit().Train;
        float[] features = digits.Features;
        int[] labels = digits.Labels;
        var spec = new NetworkSpec(LayerSpec.Linear(64, 32), LayerSpec.Tanh(), LayerSpec.Linear(32, 10));
        using var context = Context.Create(b => b.CPU(new CPUDevice(2, 1, 1)).EnableAlgorithms()); // README: b.Cuda().EnableAlgorithms()
        using var accelerator = context.CreateCPUAccelerator(0);                                      // README: context.CreateCudaAccelerator(0)

        // ---- README lines from here ----
        using var device = ComputeDevice.FromAccelerator(accelerator);   // never disposes the accelerator
        using var net = new Network(device, spec, seed: 0);
        using var opt = Optimizer.Create("adahesscale", net, new OptimizerSettings { LearningRate = 0.01f });

        using var x = accelerator.Allocate1D(features);                  // (N, 64), uploaded once
        using var y = accelerator.Allocate1D(labels);                    // (N) class indices
        BackwardResult? r = null;
        for (int first = 0; first + 32 <= labels.Length; first += 32)
        {
            r = net.Backward(x.View.SubView(first * 64, 32 * 64), 32, y.View.SubView(first, 32),
                             LossSpec.CrossEntropy(), opt.RequiredCurvature);   // queued: no host wait
            opt.Step(r);                                                       // queued: no host wait
            // r.GradientView(p), r.CurvatureView(CurvatureMethod.HesScale, p), r.LossSharesView:
            // ArrayViews of the network's buffers for your own kernels, until the next pass
        }
        output.WriteLine($"last loss {r!.Loss}");                             // the one host wait
        // ---- to here ----

        Assert.StartsWith("last loss ", output.ToString());
        Assert.IsTrue(r.Loss > 0 && r.Loss < 1.0f, $"one epoch of adahesscale should bring the loss well below log(10): {r.Loss}");
    }
}
