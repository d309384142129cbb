using HesScale.Gpu.Devices;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Layers;
using HesScale.Gpu;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Performance;

/// <summary>
/// The shared-memory tiled Linear forward on an ILGPU simulator whose groups hold 4 x 4 threads
/// (tile 4, one group striding over every block), against a double reference.
/// </summary>
[TestClass]
public sealed class TiledLinearForwardTests
{
    private static ComputeDevice? _device;

    private static ComputeDevice Device => _device ??= ComputeDevice.CreateSimulator(4, 4);

    private static IlgpuBackend Backend => (IlgpuBackend)Device.Backend;

    private static IlgpuLinearOps Ops => (IlgpuLinearOps)LinearOps.Of(Backend);

    [ClassCleanup]
    public static void Cleanup() => _device?.Dispose();

    [TestMethod]
    public void Groups_of_16_threads_give_tiles_of_4_and_the_default_simulator_none()
    {
        Assert.AreEqual(4, Backend.Tile);
        Assert.IsTrue(Ops.UsesTiledForward(4, 4));
        Assert.IsFalse(Ops.UsesTiledForward(1, 64), "batch 1 keeps the simple kernel");
        Assert.IsFalse(((IlgpuLinearOps)LinearOps.Of(Devices.Simulator.Backend)).UsesTiledForward(64, 64), "groups of 2 threads have no tiles");
        Assert.ThrowsExactly<InvalidOperationException>(() =>
        {
            var b = Devices.Simulator.Backend;
            using var x = b.Allocate(1);
            ((IlgpuLinearOps)LinearOps.Of(b)).ForwardTiled(x, x, null, x, 1, 1, 1);
        });
    }

    [TestMethod]
    [DataRow(1, 7, 5, true)]
    [DataRow(5, 13, 11, false)]
    [DataRow(9, 3, 17, true)]
    [DataRow(13, 29, 7, true)]
    [DataRow(3, 1, 1, true)]
    [DataRow(7, 9, 9, false)]
    public void Tiled_forward_matches_the_double_reference(int n, int inW, int outW, bool bias)
    {
        var rng = new Random(n * 100 + inW * 7 + outW);
        float[] Rand(int len) => Enumerable.Range(0, len).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] x = Rand(n * inW), w = Rand(outW * inW), b = Rand(outW);
        var backend = Device.Backend;
        using var xd = backend.Allocate(x.Length);
        using var wd = backend.Allocate(w.Length);
        using var bd = backend.Allocate(b.Length);
        using var yd = backend.Allocate(n * outW);
        xd.Upload(x);
        wd.Upload(w);
        bd.Upload(b);
        yd.Upload(Enumerable.Repeat(999f, n * outW).ToArray()); // every output must be overwritten

        Ops.ForwardTiled(xd, wd, bias ? bd : null, yd, n, inW, outW);
        var y = new float[n * outW];
        yd.Download(y);

        var expected = new double[n * outW];
        for (int r = 0; r < n; r++)
        {
            for (int o = 0; o < outW; o++)
            {
                double acc = bias ? b[o] : 0;
                for (int i = 0; i < inW; i++) acc += (double)x[r * inW + i] * w[o * inW + i];
                expected[r * outW + o] = acc;
            }
        }
        Assert.IsLessThanOrEqualTo(1e-6, Norms.RelativeError(y, expected, 1e-12));
    }

    [TestMethod]
    [DataRow(3)]
    [DataRow(11)]
    public void Networks_on_the_tiled_simulator_match_the_reference(int seed)
    {
        var c = RandomCase.Create(seed, maxWidth: 23, maxBatch: 1, hidden: 2, batchSize: 9);
        Assert.IsTrue(Ops.UsesTiledForward(c.Batch, c.Spec.Layers[0].Out) || c.Spec.Layers[0].Out < 4, "the first layer takes the tiled kernel when wide enough");
        using var network = new Network(Device, c.Spec, c.Parameters);
        var reference = c.Reference();

        float[] outputs = network.Forward(c.Inputs, c.Batch);
        Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(outputs, reference.Forward(c.InputsD, c.Batch), 1e-9), "outputs");

        var result = network.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.HesScale);
        var gradient = reference.Gradient(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss);
        var hesscale = reference.Curvature(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss, CurvatureMethod.HesScale);
        foreach (var p in c.Spec.Parameters)
        {
            Assert.IsLessThanOrEqualTo(1e-4, Norms.RelativeError(result.Gradient(p.Index), gradient[p.Index], 1e-9), $"gradient {p.Index}");
            Assert.IsLessThanOrEqualTo(1e-4, Norms.RelativeError(result.Curvature(CurvatureMethod.HesScale, p.Index), hesscale[p.Index], 1e-9), $"hesscale {p.Index}");
        }
    }
}
