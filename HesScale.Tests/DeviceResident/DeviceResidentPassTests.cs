using HesScale.Gpu;
using HesScale.Tests.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Tests.DeviceResident;

/// <summary>
/// The device-resident passes (ArrayView inputs and targets) give bitwise the numbers of the
/// host-array passes for every curvature method, both losses, odd shapes and batch 1.
/// </summary>
[TestClass]
public sealed class DeviceResidentPassTests
{
    private static readonly CurvatureMethod[][] MethodSets =
    [
        [], [CurvatureMethod.HesScale], [CurvatureMethod.HesScaleGN], [CurvatureMethod.BL89],
        [CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN, CurvatureMethod.BL89],
    ];

    [TestMethod]
    [DataRow(11, 1, LossKind.CrossEntropy, Reduction.Sum)]
    [DataRow(12, 1, LossKind.MeanSquaredError, Reduction.Mean)]
    [DataRow(13, 7, LossKind.CrossEntropy, Reduction.Mean)]
    [DataRow(14, 9, LossKind.MeanSquaredError, Reduction.Sum)]
    [DataRow(15, 33, LossKind.CrossEntropy, Reduction.Mean)]
    public void Device_resident_and_host_passes_agree_bitwise(int seed, int batch, LossKind lossKind, Reduction reduction)
    {
        var c = RandomCase.Create(seed, maxWidth: 13, maxBatch: batch, hidden: 2, loss: new LossSpec(lossKind, reduction), batchSize: batch);
        var device = Devices.Simulator;
        var accelerator = device.Accelerator!;
        using var net = new Network(device, c.Spec, c.Parameters);
        using var inputs = DeviceData.Upload(accelerator, c.Inputs);
        using var classes = DeviceData.Upload(accelerator, c.Targets.Classes ?? [0]);
        using var values = DeviceData.Upload(accelerator, c.Targets.Values ?? [0f]);

        foreach (var methods in MethodSets)
        {
            var host = net.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, methods);
            float hostLoss = host.Loss;
            var expected = Quantities(host, c.Spec, methods, views: false);

            var onDevice = lossKind == LossKind.CrossEntropy
                ? net.Backward(inputs.View, c.Batch, classes.View, c.Loss, methods)
                : net.Backward(inputs.View, c.Batch, values.View, c.Loss, methods);
            var fromViews = Quantities(onDevice, c.Spec, methods, views: true);
            var fromHostCopies = Quantities(onDevice, c.Spec, methods, views: false);

            Assert.AreEqual(BitConverter.SingleToInt32Bits(hostLoss), BitConverter.SingleToInt32Bits(onDevice.Loss), $"{c} {methods}: loss {hostLoss:R} vs {onDevice.Loss:R}");
            foreach (var (name, values1) in expected)
            {
                Assert.AreEqual("", DeviceData.Differences(values1, fromViews[name]), $"{c} {methods}: {name} (view)");
                Assert.AreEqual("", DeviceData.Differences(values1, fromHostCopies[name]), $"{c} {methods}: {name} (host copy)");
            }
        }
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(5)]
    public void Device_resident_forward_matches_the_host_forward(int batch)
    {
        var c = RandomCase.Create(21, maxWidth: 11, maxBatch: batch, hidden: 3, batchSize: batch);
        var device = Devices.Simulator;
        using var net = new Network(device, c.Spec, c.Parameters);
        using var inputs = DeviceData.Upload(device.Accelerator!, c.Inputs);
        float[] host = net.Forward(c.Inputs, c.Batch);
        var view = net.Forward(inputs.View, c.Batch);
        Assert.AreEqual(host.Length, (int)view.Length);
        Assert.AreEqual("", DeviceData.Differences(host, DeviceData.Read(view)), c.ToString());
    }

    [TestMethod]
    public void Loss_shares_view_sums_to_the_loss_and_the_loss_waits_only_when_read()
    {
        var c = RandomCase.Create(31, maxWidth: 9, maxBatch: 6, hidden: 1, loss: LossSpec.CrossEntropy(), batchSize: 6);
        var device = Devices.Simulator;
        using var net = new Network(device, c.Spec, c.Parameters);
        using var inputs = DeviceData.Upload(device.Accelerator!, c.Inputs);
        using var classes = DeviceData.Upload(device.Accelerator!, c.Targets.Classes!);
        net.Backward(inputs.View, c.Batch, classes.View, c.Loss); // warm-up: workspace
        long syncs = device.HostSynchronizations;
        var r = net.Backward(inputs.View, c.Batch, classes.View, c.Loss);
        var shares = r.LossSharesView;
        Assert.AreEqual(0, device.HostSynchronizations - syncs, "a device-resident pass and taking views must not wait");
        float loss = r.Loss;
        Assert.AreEqual(1, device.HostSynchronizations - syncs, "reading the loss waits once");
        _ = r.Loss;
        Assert.AreEqual(1, device.HostSynchronizations - syncs, "the loss is read once and kept");
        double sum = 0;
        foreach (float v in DeviceData.Read(shares)) sum += v;
        Assert.AreEqual((float)sum, loss);
        Assert.IsTrue(float.IsFinite(loss) && loss > 0, $"loss {loss}");
    }

    /// <summary>Gradient and every requested diagonal per tensor, read as host copies or through views.</summary>
    private static Dictionary<string, float[]> Quantities(BackwardResult r, NetworkSpec spec, CurvatureMethod[] methods, bool views)
    {
        var all = new Dictionary<string, float[]>();
        foreach (var p in spec.Parameters)
        {
            all[$"gradient {p.Index}"] = views ? DeviceData.Read(r.GradientView(p.Index)) : r.Gradient(p.Index);
            foreach (var m in methods)
                all[$"{m} {p.Index}"] = views ? DeviceData.Read(r.CurvatureView(m, p.Index)) : r.Curvature(m, p.Index);
        }
        return all;
    }
}
