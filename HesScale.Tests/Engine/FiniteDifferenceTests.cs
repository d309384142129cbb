using HesScale.Gpu;

namespace HesScale.Tests.Engine;

/// <summary>Device gradients against central finite differences of the double reference loss.</summary>
[TestClass]
public sealed class FiniteDifferenceTests
{
    [TestMethod]
    [DataRow(DeviceKind.IlgpuCpu, 0)]
    [DataRow(DeviceKind.IlgpuCpu, 1)]
    [DataRow(DeviceKind.Cpu, 2)]
    [DataRow(DeviceKind.Cpu, 3)]
    public void Gradient_matches_central_differences(DeviceKind device, int seed)
    {
        // Smooth activations only: finite differences across a ReLU kink are meaningless.
        var act = new[] { LayerKind.Tanh, LayerKind.Sigmoid, LayerKind.Softplus, LayerKind.SELU }[seed];
        var c = RandomCase.Create(1000 + seed, maxWidth: 9, maxBatch: 6, hidden: 2, activation: act);
        using var net = new Network(Devices.Get(device), c.Spec, c.Parameters);
        var result = net.Backward(c.Inputs, c.Batch, c.Targets, c.Loss);
        var x = c.InputsD;
        var t = c.ReferenceTargets;
        var parameters = c.ParametersD;
        const double h = 1e-5;
        foreach (var p in c.Spec.Parameters)
        {
            var grad = result.Gradient(p.Index);
            for (int i = 0; i < p.Length; i += Math.Max(1, p.Length / 5))
            {
                double saved = parameters[p.Index][i];
                parameters[p.Index][i] = saved + h;
                double up = new HesScale.Reference.ReferenceNetwork(c.Spec, parameters).Loss(x, c.Batch, t, c.Loss);
                parameters[p.Index][i] = saved - h;
                double down = new HesScale.Reference.ReferenceNetwork(c.Spec, parameters).Loss(x, c.Batch, t, c.Loss);
                parameters[p.Index][i] = saved;
                double fd = (up - down) / (2 * h);
                Assert.AreEqual(fd, grad[i], 1e-4 * Math.Max(1, Math.Abs(fd)), $"layer {p.LayerIndex} {p.Name}[{i}], {c}");
            }
        }
    }
}
