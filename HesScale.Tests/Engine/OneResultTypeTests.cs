using HesScale.Gpu;
using HesScale.Gpu.Curvature;

namespace HesScale.Tests.Engine;

/// <summary>Network.Backward and CurvatureEstimator.Estimate return the same result type, with span accessors beside the copying ones.</summary>
[TestClass]
public sealed class OneResultTypeTests
{
    [TestMethod]
    [DataRow(DeviceKind.Cpu)]
    [DataRow(DeviceKind.IlgpuCpu)]
    public void Backward_and_estimate_read_alike_through_arrays_and_spans(DeviceKind kind)
    {
        var c = RandomCase.Create(71, maxWidth: 7, maxBatch: 1, hidden: 1, loss: LossSpec.CrossEntropy(), batchSize: 1);
        using var net = new Network(Devices.Get(kind), c.Spec, c.Parameters);
        var fused = net.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.HesScale);
        Assert.IsFalse(fused.IsEstimate);
        Assert.AreEqual(1, fused.Samples);
        var fusedGradient = fused.Gradient(0);
        var fusedDiagonal = fused.Curvature(CurvatureMethod.HesScale, 0);
        var span = new float[fusedDiagonal.Length];
        fused.CopyCurvature(CurvatureMethod.HesScale, 0, span);
        CollectionAssert.AreEqual(fusedDiagonal, span);
        Assert.ThrowsExactly<ArgumentException>(() => fused.CopyGradient(0, new float[span.Length + 1]));

        using var estimator = new CurvatureEstimator(net);
        var estimate = estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.HesScale);
        Assert.IsTrue(estimate.IsEstimate);
        CollectionAssert.AreEqual(new[] { CurvatureMethod.HesScale }, estimate.Methods.ToArray());
        CollectionAssert.AreEqual(fusedDiagonal, estimate.Curvature(CurvatureMethod.HesScale, 0));
        CollectionAssert.AreEqual(fusedDiagonal, estimate.Diagonal(0));
        estimate.CopyGradient(0, span);
        CollectionAssert.AreEqual(fusedGradient, span);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => estimate.Curvature(CurvatureMethod.BL89, 0)).Message, "bl89 was not computed");

        var sampled = estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.GgnMc, samples: 3, seed: 5);
        Assert.AreEqual(3, sampled.Samples);
        Assert.ThrowsExactly<InvalidOperationException>(() => estimate.CopyGradient(0, span)); // superseded by the later Estimate
    }
}
