using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HesScale.Gpu.Native;

/// <summary>
/// Register-blocked, vectorised products of the native path. Each function computes one tile range
/// so callers can split the work over threads. "p" is 1 (plain) or 2 (squared operand: HesScale's
/// W^2 and h^2), applied on the fly so that no squared copy is stored.
/// Layouts (row-major): x (N, in), W (out, in), B (N, out), h (N, in).
/// </summary>
internal static class Gemm
{
    private static int V => Vector<float>.Count;

    /// <summary>a b + c in one rounding (the JIT never contracts a * b + c by itself; FMA doubles the multiply-add rate).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<float> Fma(Vector<float> a, Vector<float> b, Vector<float> c) => Vector.FusedMultiplyAdd(a, b, c);

    /// <summary>y[r, o] = b[o] + sum_i x[r, i] W[o, i] for o in [o0, o1), all rows. (NT product.)</summary>
    public static void Forward(float[] x, float[] w, float[]? b, float[] y, int n, int inW, int outW, int o0, int o1)
    {
        int r = 0;
        for (; r + 4 <= n; r += 4)
        {
            int o = o0;
            for (; o + 3 <= o1; o += 3) DotTile4x3(x, w, y, r, o, inW, outW);
            for (; o < o1; o++)
                for (int rr = r; rr < r + 4; rr++) y[rr * outW + o] = SimdMath.Dot(x.AsSpan(rr * inW, inW), w.AsSpan(o * inW, inW));
        }
        // The last 1..3 rows (all of batch 1..3): W read once, one row after the other.
        switch (n - r)
        {
            case 3: for (int o = o0; o < o1; o++) DotRow(x, w, y, r, 3, o, inW, outW); break;
            case 2: for (int o = o0; o < o1; o++) DotRow(x, w, y, r, 2, o, inW, outW); break;
            case 1: for (int o = o0; o < o1; o++) DotRow(x, w, y, r, 1, o, inW, outW); break;
        }
        if (b is not null)
            for (int rr = 0; rr < n; rr++)
                for (int o = o0; o < o1; o++) y[rr * outW + o] += b[o];
    }

    // 4 rows of x against 3 rows of W: 12 vector accumulators, every load used 3 or 4 times.
    private static void DotTile4x3(float[] x, float[] w, float[] y, int r, int o, int inW, int outW)
    {
        ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
        ref float wr = ref MemoryMarshal.GetArrayDataReference(w);
        nuint x0 = (nuint)(r * inW), x1 = x0 + (nuint)inW, x2 = x1 + (nuint)inW, x3 = x2 + (nuint)inW;
        nuint w0 = (nuint)(o * inW), w1 = w0 + (nuint)inW, w2 = w1 + (nuint)inW;
        Vector<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
        Vector<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        int i = 0;
        for (; i <= inW - V; i += V)
        {
            nuint k = (nuint)i;
            var b0 = Vector.LoadUnsafe(ref wr, w0 + k);
            var b1 = Vector.LoadUnsafe(ref wr, w1 + k);
            var b2 = Vector.LoadUnsafe(ref wr, w2 + k);
            var v = Vector.LoadUnsafe(ref xr, x0 + k);
            a00 = Fma(v, b0, a00); a01 = Fma(v, b1, a01); a02 = Fma(v, b2, a02);
            v = Vector.LoadUnsafe(ref xr, x1 + k);
            a10 = Fma(v, b0, a10); a11 = Fma(v, b1, a11); a12 = Fma(v, b2, a12);
            v = Vector.LoadUnsafe(ref xr, x2 + k);
            a20 = Fma(v, b0, a20); a21 = Fma(v, b1, a21); a22 = Fma(v, b2, a22);
            v = Vector.LoadUnsafe(ref xr, x3 + k);
            a30 = Fma(v, b0, a30); a31 = Fma(v, b1, a31); a32 = Fma(v, b2, a32);
        }
        float s00 = Vector.Sum(a00), s01 = Vector.Sum(a01), s02 = Vector.Sum(a02);
        float s10 = Vector.Sum(a10), s11 = Vector.Sum(a11), s12 = Vector.Sum(a12);
        float s20 = Vector.Sum(a20), s21 = Vector.Sum(a21), s22 = Vector.Sum(a22);
        float s30 = Vector.Sum(a30), s31 = Vector.Sum(a31), s32 = Vector.Sum(a32);
        for (; i < inW; i++)
        {
            float b0 = w[(int)w0 + i], b1 = w[(int)w1 + i], b2 = w[(int)w2 + i];
            float v0 = x[(int)x0 + i], v1 = x[(int)x1 + i], v2 = x[(int)x2 + i], v3 = x[(int)x3 + i];
            s00 += v0 * b0; s01 += v0 * b1; s02 += v0 * b2;
            s10 += v1 * b0; s11 += v1 * b1; s12 += v1 * b2;
            s20 += v2 * b0; s21 += v2 * b1; s22 += v2 * b2;
            s30 += v3 * b0; s31 += v3 * b1; s32 += v3 * b2;
        }
        int y0 = r * outW + o;
        y[y0] = s00; y[y0 + 1] = s01; y[y0 + 2] = s02;
        y0 += outW; y[y0] = s10; y[y0 + 1] = s11; y[y0 + 2] = s12;
        y0 += outW; y[y0] = s20; y[y0 + 1] = s21; y[y0 + 2] = s22;
        y0 += outW; y[y0] = s30; y[y0 + 1] = s31; y[y0 + 2] = s32;
    }

    // Row o of W against `rows` (1..3, a constant after inlining) rows of x, four vectors per step.
    // W streams in address order: the 4-row tile this replaced read four rows 2 KB apart at once,
    // which the hardware prefetcher follows worse; past the caches (paper-cost-L16, 17 MB of W) the
    // batch-1 forward took 1.6-2x as long (docs/performance.md, issue 12 part 4).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotRow(float[] x, float[] w, float[] y, int r, int rows, int o, int inW, int outW)
    {
        ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
        ref float wr = ref MemoryMarshal.GetArrayDataReference(w);
        nuint w0 = (nuint)(o * inW), x0 = (nuint)(r * inW), x1 = x0 + (nuint)inW, x2 = x1 + (nuint)inW;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        Vector<float> c0 = default, c1 = default, c2 = default, c3 = default;
        nuint v = (nuint)V;
        int i = 0;
        for (; i <= inW - 4 * V; i += 4 * V)
        {
            nuint k = (nuint)i;
            var w0v = Vector.LoadUnsafe(ref wr, w0 + k);
            var w1v = Vector.LoadUnsafe(ref wr, w0 + k + v);
            var w2v = Vector.LoadUnsafe(ref wr, w0 + k + 2 * v);
            var w3v = Vector.LoadUnsafe(ref wr, w0 + k + 3 * v);
            a0 = Fma(Vector.LoadUnsafe(ref xr, x0 + k), w0v, a0);
            a1 = Fma(Vector.LoadUnsafe(ref xr, x0 + k + v), w1v, a1);
            a2 = Fma(Vector.LoadUnsafe(ref xr, x0 + k + 2 * v), w2v, a2);
            a3 = Fma(Vector.LoadUnsafe(ref xr, x0 + k + 3 * v), w3v, a3);
            if (rows > 1)
            {
                b0 = Fma(Vector.LoadUnsafe(ref xr, x1 + k), w0v, b0);
                b1 = Fma(Vector.LoadUnsafe(ref xr, x1 + k + v), w1v, b1);
                b2 = Fma(Vector.LoadUnsafe(ref xr, x1 + k + 2 * v), w2v, b2);
                b3 = Fma(Vector.LoadUnsafe(ref xr, x1 + k + 3 * v), w3v, b3);
            }
            if (rows > 2)
            {
                c0 = Fma(Vector.LoadUnsafe(ref xr, x2 + k), w0v, c0);
                c1 = Fma(Vector.LoadUnsafe(ref xr, x2 + k + v), w1v, c1);
                c2 = Fma(Vector.LoadUnsafe(ref xr, x2 + k + 2 * v), w2v, c2);
                c3 = Fma(Vector.LoadUnsafe(ref xr, x2 + k + 3 * v), w3v, c3);
            }
        }
        for (; i <= inW - V; i += V)
        {
            nuint k = (nuint)i;
            var wv = Vector.LoadUnsafe(ref wr, w0 + k);
            a0 = Fma(Vector.LoadUnsafe(ref xr, x0 + k), wv, a0);
            if (rows > 1) b0 = Fma(Vector.LoadUnsafe(ref xr, x1 + k), wv, b0);
            if (rows > 2) c0 = Fma(Vector.LoadUnsafe(ref xr, x2 + k), wv, c0);
        }
        float s0 = Vector.Sum((a0 + a1) + (a2 + a3));
        float s1 = rows > 1 ? Vector.Sum((b0 + b1) + (b2 + b3)) : 0f;
        float s2 = rows > 2 ? Vector.Sum((c0 + c1) + (c2 + c3)) : 0f;
        for (; i < inW; i++)
        {
            float wi = w[(int)w0 + i];
            s0 += x[(int)x0 + i] * wi;
            if (rows > 1) s1 += x[(int)x1 + i] * wi;
            if (rows > 2) s2 += x[(int)x2 + i] * wi;
        }
        y[r * outW + o] = s0;
        if (rows > 1) y[(r + 1) * outW + o] = s1;
        if (rows > 2) y[(r + 2) * outW + o] = s2;
    }

    /// <summary>
    /// The native backend's default tile family: 512-bit panel tiles where the hardware has them
    /// (AVX-512: twice the FMA rate of the 256-bit Vector&lt;float&gt; the runtime picks by default);
    /// otherwise Vector&lt;float&gt; tiles. The panel functions take the family as <c>wide</c>.
    /// </summary>
    public static bool WideByDefault => Vector512.IsHardwareAccelerated;

    /// <summary>Width of a packed column panel: two vectors of the tile family, the register tile's width.</summary>
    public static int Panel(bool wide) => 2 * (wide ? Vector512<float>.Count : Vector<float>.Count);

    /// <summary>
    /// Copies columns [p0, p0 + width) of src (K rows, leading dimension ld) into packed (K, Panel),
    /// zero-padding to the panel width; squares the values when <paramref name="squared"/>.
    /// Packing makes the inner loop read memory sequentially instead of with a stride of ld floats.
    /// </summary>
    public static void PackPanel(bool wide, float[] src, int ld, int k, int p0, int width, bool squared, float[] packed)
    {
        int panel = Panel(wide);
        for (int row = 0; row < k; row++)
        {
            int s0 = row * ld + p0, d0 = row * panel;
            if (squared)
            {
                for (int j = 0; j < width; j++)
                {
                    float v = src[s0 + j];
                    packed[d0 + j] = v * v;
                }
            }
            else
            {
                Array.Copy(src, s0, packed, d0, width);
            }
            for (int j = width; j < panel; j++) packed[d0 + j] = 0f;
        }
    }

    /// <summary>
    /// dst[r, p0 + j] = sum_kk coef(r, kk) packed[kk, j] for rows r in [r0, r1) and j &lt; width, where
    /// coef(r, kk) = coef[cOff + r rowStride + kk kStride] (row-major: rowStride = k, kStride = 1;
    /// a transposed operand without copying it: rowStride = 1, kStride = its row length); dst (rows,
    /// ld) at dOff. Used for y = x W^T (coef = x, packed = W^T panel), Bin = B W^p (coef = B, packed
    /// = W panel) and dW = B^T h^p (coef = B read transposed, packed = h panel). <paramref name="add"/>: dst += the
    /// product instead of dst = it (a product split along k into pieces).
    /// </summary>
    public static void PanelProduct(bool wide, float[] coef, int cOff, int rowStride, int kStride, int k, float[] packed, float[] dst, int dOff, int ld, int r0, int r1, int p0, int width, bool add = false)
    {
        if (wide) PanelRows<Lanes512>(coef, cOff, rowStride, kStride, k, packed, dst, dOff, ld, r0, r1, p0, width, add);
        else PanelRows<VectorLanes>(coef, cOff, rowStride, kStride, k, packed, dst, dOff, ld, r0, r1, p0, width, add);
    }

    private static void PanelRows<TL>(float[] coef, int cOff, int rowStride, int kStride, int k, float[] packed, float[] dst, int dOff, int ld, int r0, int r1, int p0, int width, bool add)
        where TL : struct, ILanes<TL>
    {
        int r = r0;
        for (; r + 6 <= r1; r += 6) PanelTile<TL>(coef, cOff, rowStride, kStride, k, packed, dst, dOff, ld, r, 6, p0, width, add);
        switch (r1 - r)
        {
            case 5: PanelTile<TL>(coef, cOff, rowStride, kStride, k, packed, dst, dOff, ld, r, 5, p0, width, add); break;
            case 4: PanelTile<TL>(coef, cOff, rowStride, kStride, k, packed, dst, dOff, ld, r, 4, p0, width, add); break;
            case 3: PanelTile<TL>(coef, cOff, rowStride, kStride, k, packed, dst, dOff, ld, r, 3, p0, width, add); break;
            case 2: PanelTile<TL>(coef, cOff, rowStride, kStride, k, packed, dst, dOff, ld, r, 2, p0, width, add); break;
            case 1: PanelTile<TL>(coef, cOff, rowStride, kStride, k, packed, dst, dOff, ld, r, 1, p0, width, add); break;
        }
    }

    // rows (1..6, a constant after inlining) x 2 registers: up to 12 accumulators stay in registers
    // over the whole K loop; per k, 2 panel loads and `rows` broadcasts feed 2 rows FMAs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PanelTile<TL>(float[] coef, int cOff, int rowStride, int kStride, int k, float[] packed, float[] dst, int dOff, int ld, int r, int rows, int p0, int width, bool add)
        where TL : struct, ILanes<TL>
    {
        ref float pr = ref MemoryMarshal.GetArrayDataReference(packed);
        ref float cr = ref MemoryMarshal.GetArrayDataReference(coef);
        int v = TL.Count;
        ref float c0 = ref Unsafe.Add(ref cr, cOff + r * rowStride);
        ref float c1 = ref Unsafe.Add(ref c0, rows > 1 ? rowStride : 0);
        ref float c2 = ref Unsafe.Add(ref c1, rows > 2 ? rowStride : 0);
        ref float c3 = ref Unsafe.Add(ref c2, rows > 3 ? rowStride : 0);
        ref float c4 = ref Unsafe.Add(ref c3, rows > 4 ? rowStride : 0);
        ref float c5 = ref Unsafe.Add(ref c4, rows > 5 ? rowStride : 0);
        TL a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        TL a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        for (int kk = 0; kk < k; kk++)
        {
            nuint q = (nuint)(kk * 2 * v);
            nint e = (nint)kk * kStride;
            var b0 = TL.Load(ref pr, q);
            var b1 = TL.Load(ref pr, q + (nuint)v);
            var g = TL.Broadcast(Unsafe.Add(ref c0, e));
            a00 = TL.MultiplyAdd(g, b0, a00); a01 = TL.MultiplyAdd(g, b1, a01);
            if (rows > 1) { g = TL.Broadcast(Unsafe.Add(ref c1, e)); a10 = TL.MultiplyAdd(g, b0, a10); a11 = TL.MultiplyAdd(g, b1, a11); }
            if (rows > 2) { g = TL.Broadcast(Unsafe.Add(ref c2, e)); a20 = TL.MultiplyAdd(g, b0, a20); a21 = TL.MultiplyAdd(g, b1, a21); }
            if (rows > 3) { g = TL.Broadcast(Unsafe.Add(ref c3, e)); a30 = TL.MultiplyAdd(g, b0, a30); a31 = TL.MultiplyAdd(g, b1, a31); }
            if (rows > 4) { g = TL.Broadcast(Unsafe.Add(ref c4, e)); a40 = TL.MultiplyAdd(g, b0, a40); a41 = TL.MultiplyAdd(g, b1, a41); }
            if (rows > 5) { g = TL.Broadcast(Unsafe.Add(ref c5, e)); a50 = TL.MultiplyAdd(g, b0, a50); a51 = TL.MultiplyAdd(g, b1, a51); }
        }
        int d = dOff + r * ld + p0;
        Store(dst, d, a00, a01, width, add);
        if (rows > 1) Store(dst, d + ld, a10, a11, width, add);
        if (rows > 2) Store(dst, d + 2 * ld, a20, a21, width, add);
        if (rows > 3) Store(dst, d + 3 * ld, a30, a31, width, add);
        if (rows > 4) Store(dst, d + 4 * ld, a40, a41, width, add);
        if (rows > 5) Store(dst, d + 5 * ld, a50, a51, width, add);
    }

    /// <summary>Two registers to (or, <paramref name="add"/>, added to) dst[at..at + width): whole when the panel is full, element-wise at the ragged edge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TL>(float[] dst, int at, TL lo, TL hi, int width, bool add) where TL : struct, ILanes<TL>
    {
        int v = TL.Count;
        if (width == 2 * v)
        {
            ref float dr = ref MemoryMarshal.GetArrayDataReference(dst);
            if (add)
            {
                lo = TL.Add(TL.Load(ref dr, (nuint)at), lo);
                hi = TL.Add(TL.Load(ref dr, (nuint)(at + v)), hi);
            }
            lo.Store(ref dr, (nuint)at);
            hi.Store(ref dr, (nuint)(at + v));
            return;
        }
        for (int j = 0; j < width; j++)
        {
            float value = j < v ? lo.Element(j) : hi.Element(j - v);
            dst[at + j] = add ? dst[at + j] + value : value;
        }
    }

    /// <summary>
    /// packed (K, Panel) = rows [p0, p0 + width) of src (rows of length K) transposed, zero-padded:
    /// the forward product x W^T as a panel product (packed[k, j] = W[p0 + j, k]).
    /// </summary>
    public static void PackTransposedPanel(bool wide, float[] src, int k, int p0, int width, float[] packed)
    {
        int panel = Panel(wide);
        for (int j = 0; j < width; j++)
        {
            int s0 = (p0 + j) * k;
            for (int kk = 0; kk < k; kk++) packed[kk * panel + j] = src[s0 + kk];
        }
        for (int j = width; j < panel; j++)
            for (int kk = 0; kk < k; kk++) packed[kk * panel + j] = 0f;
    }

    /// <summary>dst (cols, rows) at dOff = src (rows, cols) at sOff, transposed in cache blocks.</summary>
    public static void Transpose(float[] src, int sOff, int rows, int cols, float[] dst, int dOff)
    {
        const int block = 32;
        for (int r0 = 0; r0 < rows; r0 += block)
        {
            int r1 = Math.Min(rows, r0 + block);
            for (int c0 = 0; c0 < cols; c0 += block)
            {
                int c1 = Math.Min(cols, c0 + block);
                for (int r = r0; r < r1; r++)
                    for (int c = c0; c < c1; c++) dst[dOff + c * rows + r] = src[sOff + r * cols + c];
            }
        }
    }

    /// <summary>A per-thread scratch array of at least <paramref name="length"/> floats, grown as needed (no per-step allocation once warm).</summary>
    public static float[] Scratch(ref float[]? slot, int length)
    {
        if (slot is null || slot.Length < length) slot = new float[Math.Max(length, 64)];
        return slot;
    }
}
