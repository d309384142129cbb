using HesScale.Gpu;
using HesScale.Gpu.Optimizers;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Optimizers;

/// <summary>GetState / SetState carry everything a run needs: a restored optimizer continues bit for bit.</summary>
[TestClass]
public sealed class OptimizerStateTests
{
    [TestMethod]
    [DataRow(DeviceKind.IlgpuCpu, "scaled_adam")]
    [DataRow(DeviceKind.IlgpuCpu, "sgd")]
    [DataRow(DeviceKind.Cpu, "adahesscale")]
    [DataRow(DeviceKind.Cpu, "bl89")]
    [DataRow(DeviceKind.Cpu, "scaled_adahesscale_gn")]
    public void Restored_state_continues_bit_for_bit(DeviceKind kind, string name)
    {
        var device = Devices.Get(kind);
        var c = RandomCase.Create(950, maxWidth: 15, maxBatch: 9, hidden: 2, activation: LayerKind.Tanh, loss: LossSpec.CrossEntropy());
        var settings = OptimizerCases.Settings();

        using var straight = new Network(device, c.Spec, c.Parameters);
        using var straightOpt = Optimizer.Create(name, straight, settings);
        for (int i = 0; i < 3; i++) straightOpt.Step(straight.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, straightOpt.RequiredCurvature));
        var state = straightOpt.GetState();
        var parameters = c.Spec.Parameters.Select(p => straight.GetParameter(p.Index)).ToArray();
        for (int i = 0; i < 3; i++) straightOpt.Step(straight.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, straightOpt.RequiredCurvature));

        using var resumed = new Network(device, c.Spec, parameters);
        using var resumedOpt = Optimizer.Create(name, resumed, settings);
        resumedOpt.SetState(state);
        Assert.AreEqual(3, resumedOpt.Steps);
        Assert.AreEqual(state.LastScale, resumedOpt.LastScale);
        for (int i = 0; i < 3; i++) resumedOpt.Step(resumed.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, resumedOpt.RequiredCurvature));

        Assert.AreEqual(straightOpt.LastScale, resumedOpt.LastScale);
        foreach (var p in c.Spec.Parameters)
            CollectionAssert.AreEqual(straight.GetParameter(p.Index), resumed.GetParameter(p.Index), $"{name}: tensor {p.Index}");
        var a = straightOpt.GetState();
        var b = resumedOpt.GetState();
        foreach (var slot in a.Slots.Keys)
            for (int p = 0; p < c.Spec.Parameters.Count; p++) CollectionAssert.AreEqual(a.Get(slot, p), b.Get(slot, p), $"{name}: slot {slot} tensor {p}");
    }
}
