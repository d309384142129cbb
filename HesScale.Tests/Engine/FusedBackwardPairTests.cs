using HesScale.Gpu.Devices;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Layers;
using HesScale.Gpu;

namespace HesScale.Tests.Engine;

/// <summary>
/// The ILGPU backward of a Linear layer fused with the activation before it (two launches) against
/// the same backend's unfused pair (LinearBackward, then ActivationBackward: three launches) on the
/// same inputs, simple kernels (groups of 2) and tiled ones (4 x 4 groups), odd shapes incl. batch 1.
/// </summary>
[TestClass]
public sealed class FusedBackwardPairTests
{
    private static ComputeDevice? _tiled;

    private static ComputeDevice Tiled => _tiled ??= ComputeDevice.CreateSimulator(4, 4);

    [ClassCleanup]
    public static void Cleanup() => _tiled?.Dispose();

    // Gradient + HesScale, HesScaleGN, BL89 (every residual mode), or the gradient alone.
    private static readonly int Packed = Channels.Pack([CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN, CurvatureMethod.BL89]);

    [TestMethod]
    [DataRow(1, 7, 5, 4, LayerKind.Tanh, false)]
    [DataRow(1, 9, 13, 1, LayerKind.Softplus, false)]
    [DataRow(3, 13, 9, 4, LayerKind.Sigmoid, false)]
    [DataRow(5, 11, 7, 4, LayerKind.ELU, true)]
    [DataRow(6, 37, 19, 4, LayerKind.Tanh, true)]
    [DataRow(9, 5, 17, 2, LayerKind.LeakyReLU, true)]
    [DataRow(13, 29, 6, 3, LayerKind.SELU, true)]
    public void Fused_pair_gives_the_unfused_numbers(int n, int inW, int outW, int channels, LayerKind kind, bool tiled)
    {
        var backend = (IlgpuBackend)(tiled ? Tiled : Devices.Simulator).Backend;
        Assert.AreEqual(tiled, ((IlgpuLinearOps)LinearOps.Of(backend)).UsesTiledBackward(n, inW, outW, channels), "the row exercises the kernel it names");
        var act = LayerSpec.Activation(kind);
        var (fused, fusedLaunches) = Run(backend, act, n, inW, outW, channels, fuse: true);
        var (plain, plainLaunches) = Run(backend, act, n, inW, outW, channels, fuse: false);
        Assert.AreEqual(plainLaunches - 1, fusedLaunches, "the activation's launch is saved");
        for (int k = 0; k < plain.Count; k++)
        {
            var (name, expected) = plain[k];
            var actual = fused[k].Values;
            for (int i = 0; i < expected.Length; i++)
            {
                double err = Math.Abs(actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
                Assert.IsLessThanOrEqualTo(1e-5, err, $"{name}[{i}]: fused {actual[i]}, unfused {expected[i]} ({act}, N={n} {inW}<-{outW}, C={channels})");
            }
        }
    }

    /// <summary>One backward on seeded inputs; results ba, dW, db and the gradient channel of bz, and the launches it took.</summary>
    private static (List<(string Name, float[] Values)> Results, long Launches) Run(IlgpuBackend backend, LayerSpec act, int n, int inW, int outW, int channels, bool fuse)
    {
        using var r = new BackendOpHarness(backend, seed: n * 1000 + inW * 10 + channels);
        int count = n * inW, packed = channels == 1 ? 0 : Packed;
        var a = r.Input(count, -3f, 3f);
        var z = r.Input(count);
        ActivationOps.Of(backend).Forward(act, a, z, count);
        var bOut = r.Input(channels * n * outW);
        var w = r.Input(outW * inW);
        var bz = r.Input(channels * count);
        var ba = r.Output("ba", channels * count);
        var dW = r.Output("dW", channels * outW * inW);
        var db = r.Output("db", channels * outW);
        r.Derived("bz gradient channel", () => BackendOpHarness.Read(bz)[..count]);
        long before = backend.Launches;
        if (fuse)
        {
            LinearOps.Of(backend).BackwardActivation(bOut, w, act, a, z, bz, ba, dW, db, n, inW, outW, channels, packed);
        }
        else
        {
            LinearOps.Of(backend).Backward(bOut, z, w, bz, dW, db, n, inW, outW, channels, 1);
            ActivationOps.Of(backend).Backward(act, a, z, bz, ba, count, channels, packed);
        }
        long launches = backend.Launches - before;
        return (r.Results(), launches);
    }
}
