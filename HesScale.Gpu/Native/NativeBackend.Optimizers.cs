using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Native;

/// <summary>
/// Optimizer updates on host arrays, split into fixed chunks (parallel above the work threshold);
/// a scaled step writes one partial sum per chunk, so the reduction order never depends on threads.
/// </summary>
internal sealed partial class NativeBackend
{
    /// <summary>Elements per chunk (and per partial sum of a scaled step).</summary>
    private const int Chunk = 8192;

    /// <summary>body(chunk, start, end) over fixed chunks of <see cref="Chunk"/> elements; threads only when there are several chunks.</summary>
    private void ForOptimizerChunks(int length, Action<int, int, int> body)
    {
        int chunks = Math.Max(1, (length + Chunk - 1) / Chunk);
        if (chunks == 1 || Threads == 1)
        {
            for (int c = 0; c < chunks; c++) body(c, c * Chunk, Math.Min(length, (c + 1) * Chunk));
        }
        else
        {
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Threads }, c => body(c, c * Chunk, Math.Min(length, (c + 1) * Chunk)));
        }
    }

    public override void SgdStep(DeviceBuffer theta, DeviceBuffer grad, int gradOffset, DeviceBuffer momentum, SgdParameters s)
    {
        float[] p = A(theta), g = A(grad), b = A(momentum);
        ForOptimizerChunks(s.Length, (_, start, end) =>
        {
            for (int i = start; i < end; i++) p[i] -= OptimizerMath.Sgd(g[gradOffset + i], p[i], ref b[i], s);
        });
    }

    public override void AdaptiveStep(DeviceBuffer theta, DeviceBuffer grad, int gradOffset, DeviceBuffer curv, int curvOffset,
        DeviceBuffer m, DeviceBuffer v, AdaptiveParameters a)
    {
        float[] p = A(theta), g = A(grad), h = A(curv), mv = A(m), vv = A(v);
        ForOptimizerChunks(a.Length, (_, start, end) =>
        {
            for (int i = start; i < end; i++)
            {
                float gi = g[gradOffset + i] + a.WeightDecay * p[i];
                OptimizerMath.Moments(gi, OptimizerMath.SecondMomentInput(gi, h[curvOffset + i], a.Source), ref mv[i], ref vv[i], a);
                p[i] -= OptimizerMath.Direction(mv[i], vv[i], a);
            }
        });
    }

    public override int PartialSlots(int length) => Math.Max(1, (length + Chunk - 1) / Chunk);

    public override void ScaledMoments(DeviceBuffer theta, DeviceBuffer grad, int gradOffset, DeviceBuffer curv, int curvOffset,
        DeviceBuffer m, DeviceBuffer v, DeviceBuffer? w, DeviceBuffer partials, int partialOffset, AdaptiveParameters a)
    {
        float[] p = A(theta), g = A(grad), h = A(curv), mv = A(m), vv = A(v), parts = A(partials);
        float[]? wv = w is null ? null : A(w);
        if (a.Length == 0) parts[partialOffset] = 0f;
        ForOptimizerChunks(a.Length, (chunk, start, end) =>
        {
            float acc = 0f;
            for (int i = start; i < end; i++)
            {
                float gi = g[gradOffset + i] + a.WeightDecay * p[i];
                float hi = h[curvOffset + i];
                OptimizerMath.Moments(gi, OptimizerMath.SecondMomentInput(gi, hi, a.Source), ref mv[i], ref vv[i], a);
                float c2 = vv[i];
                if (wv is not null)
                {
                    c2 = a.Beta2 * wv[i] + (1f - a.Beta2) * hi * hi;
                    wv[i] = c2;
                }
                float u = OptimizerMath.Direction(mv[i], vv[i], a);
                acc += MathF.Sqrt(c2) * u * u;
            }
            parts[partialOffset + chunk] = acc;
        });
    }

    public override void ScaleFromPartials(DeviceBuffer partials, int count, DeviceBuffer scratch, DeviceBuffer scale, float delta, float alphaMax)
    {
        float[] parts = A(partials);
        float sum = 0f;
        for (int j = 0; j < count; j++) sum += parts[j];
        A(scale)[0] = OptimizerMath.Scale(sum, delta, alphaMax);
    }

    public override void ScaledApply(DeviceBuffer theta, DeviceBuffer m, DeviceBuffer v, DeviceBuffer scale, AdaptiveParameters a)
    {
        float[] p = A(theta), mv = A(m), vv = A(v);
        float alpha = A(scale)[0];
        ForOptimizerChunks(a.Length, (_, start, end) =>
        {
            for (int i = start; i < end; i++) p[i] -= alpha * OptimizerMath.Direction(mv[i], vv[i], a);
        });
    }
}
