using HesScale.Gpu.Kernels;
using HesScale.Gpu.Layers;
using HesScale.Gpu.Native;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Performance;

/// <summary>The fused sweep of the native Linear backward against a double reference and against the panel path.</summary>
[TestClass]
public sealed class FusedLinearBackwardTests
{
    [TestMethod]
    [DataRow(1, 7, 5, 1, true, true, 1)]
    [DataRow(1, 257, 129, 4, true, true, 2)]   // batch 1 split into column blocks over 2 threads
    [DataRow(3, 33, 17, 3, false, true, 2)]
    [DataRow(37, 65, 31, 2, true, true, 2)]    // rows by sample
    [DataRow(5, 9, 3, 8, true, false, 1)]      // first layer: no input stack
    [DataRow(1, 1, 1, 2, true, true, 1)]
    [DataRow(520, 9, 513, 2, true, true, 2)]   // the panel path with B (N x out) past 2^18 floats: B^T copied out, not read in place
    public void Matches_the_double_reference_and_the_panel_path(int n, int inW, int outW, int channels, bool bias, bool withInput, int threads)
    {
        var rng = new Random(n * 1000 + inW * 10 + channels);
        float[] Rand(int len, double zeros = 0) => Enumerable.Range(0, len)
            .Select(_ => rng.NextDouble() < zeros ? 0f : (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] bOut = Rand(channels * n * outW, zeros: 0.2), h = Rand(n * inW), w = Rand(outW * inW);
        // A channel whose output column 0 is zero for every sample, and a sample whose row is zero in
        // the last channel: the rows they would write must still be overwritten (with zeros).
        for (int s = 0; s < n; s++) bOut[(channels - 1) * n * outW + s * outW] = 0f;
        for (int o = 0; o < outW; o++) bOut[(channels - 1) * n * outW + (n - 1) * outW + o] = 0f;
        const float Stale = 999f;
        float[] dW = Filled(channels * outW * inW, Stale);
        float[]? db = bias ? Filled(channels * outW, Stale) : null;
        float[]? bIn = withInput ? Filled(channels * n * inW, Stale) : null;

        FusedLinearBackward.Run(bOut, h, w, bIn, dW, db, n, inW, outW, channels, 1, new ParallelOptions { MaxDegreeOfParallelism = threads });

        // Reference: p = 1 for the gradient channel, 2 for curvature channels.
        var dWRef = new double[dW.Length];
        var dbRef = new double[channels * outW];
        var bInRef = new double[channels * n * inW];
        for (int c = 0; c < channels; c++)
        {
            int p = c == 0 ? 1 : 2;
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
        Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(dW, dWRef, 1e-12), "dW");
        if (db is not null) Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(db, dbRef, 1e-12), "db");
        if (bIn is not null) Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(bIn, bInRef, 1e-12), "bIn");
        Assert.DoesNotContain(Stale, dW);

        // The panel path (the engine's native operation from batch 4) on the same inputs.
        var backend = Devices.Native.Backend;
        using var bOutD = Upload(backend, bOut);
        using var hD = Upload(backend, h);
        using var wD = Upload(backend, w);
        using var dWD = backend.Allocate(dW.Length);
        using var dbD = backend.Allocate(channels * outW);
        using var bInD = backend.Allocate(channels * n * inW);
        LinearOps.Of(backend).Backward(bOutD, hD, wD, withInput ? bInD : null, dWD, bias ? dbD : null, n, inW, outW, channels, 1);
        Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(dW, Download(dWD).Select(v => (double)v).ToArray(), 1e-12), "dW vs the panel path");
        if (bIn is not null) Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(bIn, Download(bInD).Select(v => (double)v).ToArray(), 1e-12), "bIn vs the panel path");
    }

    private static float[] Filled(int length, float value) => Enumerable.Repeat(value, length).ToArray();

    private static HesScale.Gpu.Engine.DeviceBuffer Upload(HesScale.Gpu.Engine.Backend backend, float[] values)
    {
        var b = backend.Allocate(values.Length);
        b.Upload(values);
        return b;
    }

    private static float[] Download(HesScale.Gpu.Engine.DeviceBuffer buffer)
    {
        var host = new float[buffer.Length];
        buffer.Download(host);
        return host;
    }
}
