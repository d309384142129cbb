using HesScale.Gpu;
using HesScale.Gpu.Reinforcement;
using HesScale.Reference.Reinforcement;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Reinforcement.Losses;

/// <summary>
/// The RL losses driving Network.Backward: for the output layer's bias, dL/db_c = sum_n dL/dz_nc and the
/// exact Hessian diagonal is sum_n d2L/dz_nc2, which HesScale reproduces exactly at the last layer.
/// Checked against the hyper-dual reference on the simulator (small) and native (larger) devices.
/// </summary>
[TestClass]
public sealed class LossThroughNetworkTests
{
    [TestMethod]
    [DataRow(DeviceKind.IlgpuCpu, 1, 5, 3)]
    [DataRow(DeviceKind.IlgpuCpu, 7, 5, 3)]
    [DataRow(DeviceKind.Cpu, 37, 9, 5)]
    public void PpoCategorical_OutputBiasGradientAndHesScale_AreExact(DeviceKind kind, int n, int input, int k)
    {
        var device = Devices.Get(kind);
        var spec = new NetworkSpec(LayerSpec.Linear(input, 7), LayerSpec.Tanh(), LayerSpec.Linear(7, k));
        using var net = new Network(device, spec, seed: n + input);
        var r = new Random(n);
        var x = Enumerable.Range(0, n * input).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        var z = net.Forward(x, n);
        var actions = Enumerable.Range(0, n).Select(_ => r.Next(k)).ToArray();
        var adv = Enumerable.Range(0, n).Select(i => (float)((i % 3 == 1 ? -1 : 1) * (0.5 + r.NextDouble()))).ToArray();
        var old = new float[n];
        for (int s = 0; s < n; s++) old[s] = (float)(PolicyMath.LogProbability(z.AsSpan(s * k, k), actions[s]) - Math.Log(0.6 + 0.9 * ((s * 0.41) % 1.0)));

        var result = net.Backward(x, n, new PpoCategoricalLoss(k, actions, old, adv, 0.2f), CurvatureMethod.HesScale);
        var (_, rg, rh) = RlLossReference.Derivatives(
            RlLossReference.PpoCategorical(k, actions, old.Select(v => (double)v).ToArray(), adv.Select(v => (double)v).ToArray(), 0.2),
            z.Select(v => (double)v).ToArray());
        int bias = spec.Parameters.Count - 1;
        var g = result.Gradient(bias);
        var h = result.Curvature(CurvatureMethod.HesScale, bias);
        for (int c = 0; c < k; c++)
        {
            double eg = 0, eh = 0;
            for (int s = 0; s < n; s++)
            {
                eg += rg[s * k + c];
                eh += rh[s * k + c];
            }
            Assert.AreEqual(eg, g[c], 1e-5 + 1e-4 * Math.Abs(eg), $"gradient of bias[{c}]");
            Assert.AreEqual(eh, h[c], 1e-5 + 1e-4 * Math.Abs(eh), $"HesScale of bias[{c}]");
        }
    }

    [TestMethod]
    [DataRow(DeviceKind.IlgpuCpu, 3)]
    [DataRow(DeviceKind.Cpu, 29)]
    public void GaussianVariance_OutputBiasHesScale_IsExact_AndCanBeNegative(DeviceKind kind, int n)
    {
        var device = Devices.Get(kind);
        var spec = new NetworkSpec(LayerSpec.Linear(3, 5), LayerSpec.Tanh(), LayerSpec.Linear(5, 1));
        using var net = new Network(device, spec, seed: 4);
        var r = new Random(n + 1);
        var x = Enumerable.Range(0, n * 3).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        var z = net.Forward(x, n);
        var a = Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 4 - 2)).ToArray();
        var mu = Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() - 0.5)).ToArray();
        var adv = Enumerable.Range(0, n).Select(_ => -1f).ToArray(); // all negative: the loss is concave in places
        var result = net.Backward(x, n, new GaussianVarianceLoss(1, a, mu, adv, 0.01f), CurvatureMethod.HesScale);
        var (_, _, rh) = RlLossReference.Derivatives(
            RlLossReference.GaussianVariance(1, a.Select(v => (double)v).ToArray(), mu.Select(v => (double)v).ToArray(), adv.Select(v => (double)v).ToArray(), 0.01),
            z.Select(v => (double)v).ToArray());
        float h = result.Curvature(CurvatureMethod.HesScale, spec.Parameters.Count - 1)[0];
        Assert.AreEqual(rh.Sum(), h, 1e-5 + 1e-4 * Math.Abs(rh.Sum()));
    }
}
