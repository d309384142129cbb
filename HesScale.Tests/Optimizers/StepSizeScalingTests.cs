using HesScale.Gpu;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Optimizers;

/// <summary>Both branches of alpha = min(alpha_max, sqrt(2 delta / sum c u^2)), on both devices.</summary>
[TestClass]
public sealed class StepSizeScalingTests
{
    [TestMethod]
    [DataRow(DeviceKind.IlgpuCpu, "scaled_adahesscale")]
    [DataRow(DeviceKind.Cpu, "scaled_adam")]
    [DataRow(DeviceKind.Cpu, "scaled_adahesscale_gn")]
    public void Small_delta_scales_the_step_below_alpha_max(DeviceKind kind, string name)
    {
        var c = RandomCase.Create(800, maxWidth: 11, maxBatch: 5, hidden: 2, activation: LayerKind.Tanh, loss: LossSpec.CrossEntropy());
        var scales = OptimizerCases.CheckSteps(Devices.Get(kind), name, c, OptimizerCases.Settings(delta: 1e-9f, alphaMax: 0.9f));
        foreach (float s in scales) Assert.IsLessThan(0.9f, s, $"alpha {s} should be below alpha_max with delta 1e-9");
    }

    [TestMethod]
    [DataRow(DeviceKind.IlgpuCpu, "scaled_adam")]
    [DataRow(DeviceKind.Cpu, "scaled_adahesscale")]
    public void Large_delta_gives_alpha_max(DeviceKind kind, string name)
    {
        var c = RandomCase.Create(801, maxWidth: 11, maxBatch: 5, hidden: 2, activation: LayerKind.Tanh, loss: LossSpec.Mse());
        var scales = OptimizerCases.CheckSteps(Devices.Get(kind), name, c, OptimizerCases.Settings(delta: 1e6f, alphaMax: 0.7f));
        foreach (float s in scales) Assert.AreEqual(0.7f, s);
    }
}
