using HesScale.Gpu;

namespace HesScale.Tests.Engine;

/// <summary>Workspaces are reused across calls of different batch sizes and method sets without changing results.</summary>
[TestClass]
public sealed class WorkspaceReuseTests
{
    [TestMethod]
    [DataRow(DeviceKind.Cpu)]
    [DataRow(DeviceKind.IlgpuCpu)]
    public void Reused_buffers_give_the_results_of_a_fresh_network(DeviceKind kind)
    {
        var device = Devices.Get(kind);
        var big = RandomCase.Create(42, maxWidth: 11, maxBatch: 9, hidden: 2, loss: LossSpec.CrossEntropy(), batchSize: 9);
        var small = RandomCase.Create(42, maxWidth: 11, maxBatch: 9, hidden: 2, loss: LossSpec.CrossEntropy(), batchSize: 3);
        using var reused = new Network(device, big.Spec, big.Parameters);
        reused.Backward(big.Inputs, big.Batch, big.Targets, big.Loss, CurvatureMethod.HesScale, CurvatureMethod.BL89, CurvatureMethod.HesScaleGN);
        var r = reused.Backward(small.Inputs, small.Batch, small.Targets, small.Loss, CurvatureMethod.HesScaleGN);
        using var fresh = new Network(device, small.Spec, small.Parameters);
        var f = fresh.Backward(small.Inputs, small.Batch, small.Targets, small.Loss, CurvatureMethod.HesScaleGN);
        Assert.AreEqual(f.Loss, r.Loss);
        foreach (var p in small.Spec.Parameters)
        {
            CollectionAssert.AreEqual(f.Gradient(p.Index), r.Gradient(p.Index));
            CollectionAssert.AreEqual(f.Curvature(CurvatureMethod.HesScaleGN, p.Index), r.Curvature(CurvatureMethod.HesScaleGN, p.Index));
        }
    }

    [TestMethod]
    public void Simulator_and_native_agree()
    {
        var c = RandomCase.Create(77, maxWidth: 15, maxBatch: 5, hidden: 3);
        using var a = new Network(Devices.Simulator, c.Spec, c.Parameters);
        using var b = new Network(Devices.Native, c.Spec, c.Parameters);
        var ra = a.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.HesScale);
        var rb = b.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.HesScale);
        Assert.AreEqual(ra.Loss, rb.Loss, 1e-5f * Math.Max(1, Math.Abs(ra.Loss)));
        // The gradient and curvature each computed: relative to the quantity's norm over all tensors.
        double Norm(Func<int, float[]> read) => Math.Sqrt(c.Spec.Parameters.Sum(p => read(p.Index).Sum(v => (double)v * v)));
        foreach (var (what, read, simulator) in new (string, Func<int, float[]>, Func<int, float[]>)[]
        {
            ("gradient", p => rb.Gradient(p), p => ra.Gradient(p)),
            ("HesScale", p => rb.Curvature(CurvatureMethod.HesScale, p), p => ra.Curvature(CurvatureMethod.HesScale, p)),
        })
        {
            double floor = Math.Max(1e-3 * Norm(read), 1e-12);
            Assert.IsGreaterThan(1e-12, Norm(read), $"{what} is not all zeros");
            foreach (var p in c.Spec.Parameters)
            {
                double err = Norms.RelativeError(simulator(p.Index), read(p.Index).Select(v => (double)v).ToArray(), floor);
                Assert.IsLessThanOrEqualTo(1e-5, err, $"{what} of layer {p.LayerIndex} {p.Name}: relative error {err:E2}");
            }
        }
        var fa = a.Forward(c.Inputs, c.Batch);
        var fb = b.Forward(c.Inputs, c.Batch);
        for (int i = 0; i < fa.Length; i++) Assert.AreEqual(fa[i], fb[i], 1e-5f * Math.Max(1, Math.Abs(fa[i])));
    }
}
