using HesScale.Gpu;
using HesScale.Gpu.Kernels;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Curvature;

/// <summary>The method table: ids, the fused rows' kernel modes, and what Backward accepts.</summary>
[TestClass]
public sealed class MethodTableTests
{
    [TestMethod]
    public void Ids_are_unique_and_parse_back_to_their_row()
    {
        Assert.HasCount(CurvatureMethod.All.Length, CurvatureMethod.All.Select(m => m.Id).Distinct());
        foreach (var m in CurvatureMethod.All)
        {
            Assert.AreSame(m, CurvatureMethod.Parse(m.Id.ToUpperInvariant()));
            Assert.AreEqual(m.IsFused, CurvatureMethod.Fused.Contains(m), m.Id);
        }
        Assert.IsFalse(CurvatureMethod.TryParse("hessian", out _));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => CurvatureMethod.Parse("hessian")).Message, "ggn_mc");
    }

    [TestMethod]
    public void Fused_rows_carry_the_kernels_modes_in_channel_order()
    {
        CollectionAssert.AreEqual(new[] { Channels.HesScale, Channels.HesScaleGN, Channels.BL89 }, CurvatureMethod.Fused.Select(m => m.KernelMode).ToArray());
        Assert.IsTrue(CurvatureMethod.All.Where(m => !m.IsFused).All(m => m.KernelMode == 0));
        Assert.AreEqual((Channels.HesScale << 4) | (Channels.BL89 << 8), Channels.Pack([CurvatureMethod.HesScale, CurvatureMethod.BL89]));
    }

    [TestMethod]
    public void Backward_merges_duplicates_keeps_channel_order_and_refuses_estimator_rows()
    {
        var c = RandomCase.Create(5, maxWidth: 6, maxBatch: 3, hidden: 1, loss: LossSpec.CrossEntropy());
        using var net = new Network(Devices.Native, c.Spec, c.Parameters);
        var r = net.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.BL89, CurvatureMethod.HesScale, CurvatureMethod.BL89);
        CollectionAssert.AreEqual(new[] { CurvatureMethod.HesScale, CurvatureMethod.BL89 }, r.Methods.ToArray());
        var bl89 = r.Curvature(CurvatureMethod.BL89, 0);
        var alone = net.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.BL89).Curvature(CurvatureMethod.BL89, 0);
        for (int i = 0; i < alone.Length; i++) Assert.AreEqual(alone[i], bl89[i], 1e-6f * Math.Abs(alone[i]) + 1e-12f, $"element {i}");
        var e = Assert.ThrowsExactly<ArgumentException>(() => net.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.Kfac));
        StringAssert.Contains(e.Message, "'kfac' is not fused");
        Assert.ThrowsExactly<ArgumentNullException>(() => net.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, [null!]));
    }
}
