using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HesScale.Gpu.Native;

/// <summary>
/// <see cref="NativeLinearOps.Backward"/> at batch 1..3, where the products are outer-product
/// shaped (same shapes and channel conventions; `hesscale profile` times it against the panel path
/// at larger batches):
/// <list type="number">
/// <item>Parameter quantities: the first sample assigns dW = B h^p instead of clearing the
/// rows and accumulating, which removes one store and one load per element at batch 1.</item>
/// <item>Input stack: one sweep over W for all channels: for each row o, every channel adds
/// coef_c W[o, :]^p while that row is in L1, so W is read once per pass.
/// The work is split by sample, and a small batch's rows by column block so that batch 1 runs on every thread too.</item>
/// </list>
/// bOut is (C, N, out), h (N, in), W (out, in), bIn (C, N, in), dW (C, out, in), db (C, out).
/// </summary>
internal static class FusedLinearBackward
{
    /// <summary>Multiply-adds below which a call stays on the calling thread (as the panel path).</summary>
    public const long ParallelThreshold = 1 << 17;

    /// <summary>Fewest input columns per work item when a sample's row is split over threads.</summary>
    public const int MinColumnBlock = 128;

    public static void Run(float[] bOut, float[] h, float[] w, float[]? bIn, float[] dW, float[]? db,
        int n, int inW, int outW, int channels, int linearChannels, ParallelOptions options)
    {
        long work = (long)channels * n * inW * outW;
        int plane = n * outW;
        For(outW, work, options, o => WeightRow(bOut, h, dW, db, o, n, inW, outW, plane, channels, linearChannels));
        if (bIn is null) return;
        // Whole rows when the samples already occupy the threads; otherwise split the columns so
        // that a batch of 1 uses every thread too (short blocks cost a call per row and channel).
        int threads = options.MaxDegreeOfParallelism > 0 ? options.MaxDegreeOfParallelism : Environment.ProcessorCount;
        int block = n >= threads || work < ParallelThreshold ? inW
            : Math.Max(MinColumnBlock, RoundUp((inW + threads - 1) / threads, Vector<float>.Count));
        int blocks = (inW + block - 1) / block;
        For(n * blocks, work, options, item =>
        {
            int s = item / blocks, start = (item - s * blocks) * block;
            InputBlock(bOut, w, bIn, s, start, Math.Min(block, inW - start), n, inW, outW, plane, channels, linearChannels);
        });
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static void For(int count, long work, ParallelOptions options, Action<int> body)
    {
        if (options.MaxDegreeOfParallelism == 1 || count == 1 || work < ParallelThreshold)
        {
            for (int i = 0; i < count; i++) body(i);
        }
        else
        {
            Parallel.For(0, count, options, body);
        }
    }

    /// <summary>dW[c, o, :] = sum_s B[c, s, o] h[s, :]^p and db[c, o] = sum_s B[c, s, o] for every channel.</summary>
    private static void WeightRow(float[] bOut, float[] h, float[] dW, float[]? db, int o, int n, int inW, int outW, int plane, int channels, int linearChannels)
    {
        for (int c = 0; c < channels; c++)
        {
            var row = dW.AsSpan((c * outW + o) * inW, inW);
            bool squared = c >= linearChannels, written = false;
            float biasAcc = 0f;
            for (int s = 0; s < n; s++)
            {
                float coef = bOut[c * plane + s * outW + o];
                biasAcc += coef;
                if (coef == 0f) continue;
                var hRow = h.AsSpan(s * inW, inW);
                if (written) Accumulate(row, coef, hRow, squared);
                else Assign(row, coef, hRow, squared);
                written = true;
            }
            if (!written) row.Clear();
            if (db is not null) db[c * outW + o] = biasAcc;
        }
    }

    /// <summary>Bin[c, s, start:start+len] = sum_o B[c, s, o] W[o, start:start+len]^p, W read once for all channels.</summary>
    private static void InputBlock(float[] bOut, float[] w, float[] bIn, int s, int start, int len, int n, int inW, int outW, int plane, int channels, int linearChannels)
    {
        int inPlane = n * inW;
        Span<bool> written = stackalloc bool[channels];
        for (int o = 0; o < outW; o++)
        {
            var wRow = w.AsSpan(o * inW + start, len);
            for (int c = 0; c < channels; c++)
            {
                float coef = bOut[c * plane + s * outW + o];
                if (coef == 0f) continue;
                var dst = bIn.AsSpan(c * inPlane + s * inW + start, len);
                if (written[c]) Accumulate(dst, coef, wRow, c >= linearChannels);
                else Assign(dst, coef, wRow, c >= linearChannels);
                written[c] = true;
            }
        }
        for (int c = 0; c < channels; c++)
        {
            if (!written[c]) bIn.AsSpan(c * inPlane + s * inW + start, len).Clear();
        }
    }

    /// <summary>dst = a x^p (p = 2 when squared).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Assign(Span<float> dst, float a, ReadOnlySpan<float> x, bool squared)
    {
        int i = 0, width = Vector<float>.Count;
        ref float dr = ref MemoryMarshal.GetReference(dst);
        ref float xr = ref MemoryMarshal.GetReference(x);
        var av = new Vector<float>(a);
        if (squared)
        {
            for (; i <= dst.Length - width; i += width)
            {
                var xv = Vector.LoadUnsafe(ref xr, (nuint)i);
                (av * xv * xv).StoreUnsafe(ref dr, (nuint)i);
            }
            for (; i < dst.Length; i++) dst[i] = a * x[i] * x[i];
        }
        else
        {
            for (; i <= dst.Length - width; i += width)
                (av * Vector.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
            for (; i < dst.Length; i++) dst[i] = a * x[i];
        }
    }

    /// <summary>dst += a x^p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(Span<float> dst, float a, ReadOnlySpan<float> x, bool squared)
    {
        if (squared) SimdMath.AddScaledSquare(dst, a, x);
        else SimdMath.AddScaled(dst, a, x);
    }
}
