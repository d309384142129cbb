using HesScale.Gpu;

namespace HesScale.Tests.Engine;

[TestClass]
public sealed class OutputLossTests
{
    /// <summary>Sum-reduced MSE written as a host loss.</summary>
    private sealed class HostMse(float[] targets) : IOutputLoss
    {
        public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
        {
            double loss = 0;
            for (int i = 0; i < outputs.Length; i++)
            {
                float diff = outputs[i] - targets[i];
                loss += diff * diff;
                gradient[i] = 2 * diff;
                hessianDiagonal[i] = 2;
            }
            return loss;
        }
    }

    [TestMethod]
    [DataRow(DeviceKind.Cpu)]
    [DataRow(DeviceKind.IlgpuCpu)]
    public void Host_loss_matches_the_built_in_loss(DeviceKind kind)
    {
        var c = RandomCase.Create(55, maxWidth: 13, maxBatch: 7, hidden: 2, activation: LayerKind.Tanh, loss: LossSpec.Mse(Reduction.Sum));
        using var net = new Network(Devices.Get(kind), c.Spec, c.Parameters);
        CurvatureMethod[] methods = [CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN];
        var builtIn = net.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, methods);
        var expected = c.Spec.Parameters.Select(p => (builtIn.Gradient(p.Index), builtIn.Curvature(CurvatureMethod.HesScale, p.Index), builtIn.Curvature(CurvatureMethod.HesScaleGN, p.Index))).ToArray();
        var host = net.Backward(c.Inputs, c.Batch, new HostMse(c.Targets.Values!), methods);
        Assert.AreEqual(builtIn.Loss, host.Loss, 1e-5f * Math.Abs(builtIn.Loss));
        foreach (var p in c.Spec.Parameters)
        {
            var (g, h, gn) = expected[p.Index];
            CollectionAssert.AreEqual(g, host.Gradient(p.Index), new Tolerance(1e-5f));
            CollectionAssert.AreEqual(h, host.Curvature(CurvatureMethod.HesScale, p.Index), new Tolerance(1e-5f));
            CollectionAssert.AreEqual(gn, host.Curvature(CurvatureMethod.HesScaleGN, p.Index), new Tolerance(1e-5f));
        }
    }

    private sealed class Tolerance(float relative) : System.Collections.IComparer
    {
        public int Compare(object? x, object? y)
        {
            float a = (float)x!, b = (float)y!;
            return Math.Abs(a - b) <= relative * Math.Max(1e-3f, Math.Max(Math.Abs(a), Math.Abs(b))) ? 0 : a.CompareTo(b);
        }
    }
}
