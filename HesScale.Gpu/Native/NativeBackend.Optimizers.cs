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
        if (chunks < 16 || Threads == 1)
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
            int i = start, width = System.Numerics.Vector<float>.Count;
            if (s.Momentum == 0f)
            {
                // Plain SGD on whole vectors: theta -= lr (g + wd theta), as OptimizerMath.Sgd.
                var lr = new System.Numerics.Vector<float>(s.LearningRate);
                var wd = new System.Numerics.Vector<float>(s.WeightDecay);
                for (; i <= end - width; i += width)
                {
                    var theta = new System.Numerics.Vector<float>(p, i);
                    (theta - lr * (new System.Numerics.Vector<float>(g, gradOffset + i) + wd * theta)).CopyTo(p, i);
                }
            }
            for (; i < end; i++) p[i] -= OptimizerMath.Sgd(g[gradOffset + i], p[i], ref b[i], s);
        });
    }

    public override void AdaptiveStep(DeviceBuffer theta, DeviceBuffer grad, int gradOffset, DeviceBuffer curv, int curvOffset,
        DeviceBuffer m, DeviceBuffer v, AdaptiveParameters a)
    {
        float[] p = A(theta), g = A(grad), h = A(curv), mv = A(m), vv = A(v);
        ForOptimizerChunks(a.Length, (_, start, end) =>
        {
            int i = start;
            if (a.Root != 0) i = AdaptiveStepVector(p, g, gradOffset, h, curvOffset, mv, vv, a, start, end);
            for (; i < end; i++)
            {
                float gi = g[gradOffset + i] + a.WeightDecay * p[i];
                OptimizerMath.Moments(gi, OptimizerMath.SecondMomentInput(gi, h[curvOffset + i], a.Source), ref mv[i], ref vv[i], a);
                p[i] -= OptimizerMath.Direction(mv[i], vv[i], a);
            }
        });
    }

    /// <summary>
    /// The Adam-family step of <see cref="OptimizerMath"/> (square-root denominator) on whole vectors;
    /// returns where the scalar tail starts. Same operations in the same order as the scalar code.
    /// </summary>
    private static int AdaptiveStepVector(float[] p, float[] g, int gOff, float[] h, int hOff, float[] m, float[] v, AdaptiveParameters a, int start, int end)
    {
        int width = System.Numerics.Vector<float>.Count, i = start;
        var b1 = new System.Numerics.Vector<float>(a.Beta1);
        var c1 = new System.Numerics.Vector<float>(1f - a.Beta1);
        var b2 = new System.Numerics.Vector<float>(a.Beta2);
        var c2 = new System.Numerics.Vector<float>(1f - a.Beta2);
        var wd = new System.Numerics.Vector<float>(a.WeightDecay);
        var inv2 = new System.Numerics.Vector<float>(a.InvBiasCorrection2);
        var eps = new System.Numerics.Vector<float>(a.Epsilon);
        var lr = new System.Numerics.Vector<float>(a.StepSize);
        for (; i <= end - width; i += width)
        {
            var theta = new System.Numerics.Vector<float>(p, i);
            var gi = new System.Numerics.Vector<float>(g, gOff + i) + wd * theta;
            var q = a.Source switch
            {
                OptimizerMath.SourceGradientSquared => gi * gi,
                OptimizerMath.SourceCurvatureSquared => new System.Numerics.Vector<float>(h, hOff + i) * new System.Numerics.Vector<float>(h, hOff + i),
                _ => System.Numerics.Vector.Abs(new System.Numerics.Vector<float>(h, hOff + i)),
            };
            var mi = b1 * new System.Numerics.Vector<float>(m, i) + c1 * gi;
            var vi = b2 * new System.Numerics.Vector<float>(v, i) + c2 * q;
            mi.CopyTo(m, i);
            vi.CopyTo(v, i);
            (theta - lr * mi / (System.Numerics.Vector.SquareRoot(vi * inv2) + eps)).CopyTo(p, i);
        }
        return i;
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
