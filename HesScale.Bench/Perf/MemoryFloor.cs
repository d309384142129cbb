using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using HesScale.Gpu;
using HesScale.Gpu.Performance;

namespace HesScale.Bench.Perf;

/// <summary>
/// A bare-traffic model of a batch-1 pass on the network's own weight shapes, in plain vectorised
/// loops: gradient = read every W (forward) + read every W and write every dW (backward); gradient +
/// HesScale writes one more W-sized array (hW) per layer. Its ratio shows what one more W-sized
/// write costs on this machine (more than the 4/3 of equal-cost traffic where writes are slower
/// than reads). Its absolute times are not a lower bound: the engine's fused loops stream faster
/// than these plain ones. `hesscale cost --floor` prints it next to the measured passes.
/// </summary>
public static class MemoryFloor
{
    public static (double GradientMs, double HesScaleMs) Measure(NetworkSpec spec, int rounds = 200)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var shapes = spec.Layers.Where(l => l.Kind == LayerKind.Linear).Select(l => (Out: l.Out, In: l.In)).ToArray();
        var w = shapes.Select(s => Filled(s.Out * s.In, 0.5f)).ToArray();
        var dW = shapes.Select(s => new float[s.Out * s.In]).ToArray();
        var hW = shapes.Select(s => new float[s.Out * s.In]).ToArray();
        var h = Filled(shapes.Max(s => s.In), 0.25f);
        float sink = 0f;
        void Pass(bool hesscale)
        {
            for (int l = 0; l < w.Length; l++) sink += Read(w[l]);
            for (int l = 0; l < w.Length; l++)
            {
                sink += Read(w[l]);
                WriteRows(dW[l], h, shapes[l].In);
                if (hesscale) WriteRows(hW[l], h, shapes[l].In);
            }
        }
        for (int i = 0; i < 20; i++) { Pass(false); Pass(true); }
        var g = new List<double>();
        var hs = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Pass(false);
            long t1 = Stopwatch.GetTimestamp();
            Pass(true);
            long t2 = Stopwatch.GetTimestamp();
            g.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            hs.Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
        }
        GC.KeepAlive(sink);
        return (TimingSummary.Of(g).Median, TimingSummary.Of(hs).Median);
    }

    private static float[] Filled(int length, float value)
    {
        var a = new float[length];
        Array.Fill(a, value);
        return a;
    }

    private static float Read(float[] a)
    {
        var acc = Vector<float>.Zero;
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(a);
        foreach (var v in vectors) acc += v;
        for (int i = vectors.Length * Vector<float>.Count; i < a.Length; i++) acc += new Vector<float>(a[i]);
        return acc[0];
    }

    // Row o of dst = 0.5 h (one row of an outer product at batch 1).
    private static void WriteRows(float[] dst, float[] h, int inW)
    {
        var half = new Vector<float>(0.5f);
        int v = Vector<float>.Count;
        for (int row = 0; row < dst.Length / inW; row++)
        {
            var d = dst.AsSpan(row * inW, inW);
            int i = 0;
            for (; i <= inW - v; i += v) (half * new Vector<float>(h.AsSpan(i))).CopyTo(d[i..]);
            for (; i < inW; i++) d[i] = 0.5f * h[i];
        }
    }
}
