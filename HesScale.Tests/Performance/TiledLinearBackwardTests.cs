using HesScale.Gpu.Devices;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Layers;
using HesScale.Gpu;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Performance;

/// <summary>The tiled Linear backward kernels on a simulator with 4 x 4-thread groups (tile 4) against a double reference.</summary>
[TestClass]
public sealed class TiledLinearBackwardTests
{
    private static ComputeDevice? _device;

    private static ComputeDevice Device => _device ??= ComputeDevice.CreateSimulator(4, 4);

    [ClassCleanup]
    public static void Cleanup() => _device?.Dispose();

    [TestMethod]
    [DataRow(1, 7, 5, 1, true, true)]
    [DataRow(5, 13, 11, 3, false, true)]
    [DataRow(9, 3, 17, 2, true, true)]
    [DataRow(13, 29, 7, 4, true, false)]
    [DataRow(7, 9, 9, 8, true, true)]
    [DataRow(3, 1, 1, 2, true, true)]
    public void Tiled_backward_matches_the_double_reference(int n, int inW, int outW, int channels, bool bias, bool withInput)
    {
        var rng = new Random(n * 1000 + inW * 10 + channels);
        float[] Rand(int len) => Enumerable.Range(0, len).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] bOut = Rand(channels * n * outW), h = Rand(n * inW), w = Rand(outW * inW);
        var backend = Device.Backend;
        DeviceBufferScope scope = new(backend);
        try
        {
            var bOutD = scope.Upload(bOut);
            var hD = scope.Upload(h);
            var wD = scope.Upload(w);
            var dWD = scope.Upload(Enumerable.Repeat(999f, channels * outW * inW).ToArray()); // every output must be overwritten
            var dbD = scope.Upload(Enumerable.Repeat(999f, channels * outW).ToArray());
            var bInD = scope.Upload(Enumerable.Repeat(999f, channels * n * inW).ToArray());

            ((IlgpuLinearOps)LinearOps.Of(backend)).BackwardTiled(bOutD, hD, wD, withInput ? bInD : null, dWD, bias ? dbD : null, n, inW, outW, channels, 1);

            var dWRef = new double[channels * outW * inW];
            var dbRef = new double[channels * outW];
            var bInRef = new double[channels * n * inW];
            for (int c = 0; c < channels; c++)
            {
                int p = c == 0 ? 1 : 2; // gradient channel, then curvature channels
                for (int s = 0; s < n; s++)
                {
                    for (int o = 0; o < outW; o++)
                    {
                        double coef = bOut[(c * n + s) * outW + o];
                        dbRef[c * outW + o] += coef;
                        for (int i = 0; i < inW; i++)
                        {
                            dWRef[(c * outW + o) * inW + i] += coef * Math.Pow(h[s * inW + i], p);
                            bInRef[(c * n + s) * inW + i] += coef * Math.Pow(w[o * inW + i], p);
                        }
                    }
                }
            }
            Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(scope.Download(dWD), dWRef, 1e-12), "dW");
            if (bias) Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(scope.Download(dbD), dbRef, 1e-12), "db");
            if (withInput) Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(scope.Download(bInD), bInRef, 1e-12), "bIn");
        }
        finally
        {
            scope.Dispose();
        }
    }

    [TestMethod]
    public void Selection_needs_every_product_dimension_to_fill_a_tile()
    {
        var b = (IlgpuLinearOps)LinearOps.Of(Device.Backend);
        Assert.IsTrue(b.UsesTiledBackward(4, 4, 4, 1));
        Assert.IsFalse(b.UsesTiledBackward(1, 64, 64, 4), "batch 1");
        Assert.IsFalse(b.UsesTiledBackward(16, 3, 64, 2), "narrow input");
        Assert.IsFalse(((IlgpuLinearOps)LinearOps.Of(Devices.Simulator.Backend)).UsesTiledBackward(64, 64, 64, 2), "groups of 2 threads");
    }

    /// <summary>Device buffers of one test, disposed together.</summary>
    private sealed class DeviceBufferScope(HesScale.Gpu.Engine.Backend backend) : IDisposable
    {
        private readonly List<HesScale.Gpu.Engine.DeviceBuffer> _all = [];

        public HesScale.Gpu.Engine.DeviceBuffer Upload(float[] values)
        {
            var b = backend.Allocate(values.Length);
            _all.Add(b);
            b.Upload(values);
            return b;
        }

        public float[] Download(HesScale.Gpu.Engine.DeviceBuffer buffer)
        {
            var host = new float[buffer.Length];
            buffer.Download(host);
            return host;
        }

        public void Dispose()
        {
            foreach (var b in _all) b.Dispose();
        }
    }
}
