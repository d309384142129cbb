using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

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
        for (; r < n; r++)
        {
            int o = o0;
            for (; o + 4 <= o1; o += 4) DotTile1x4(x, w, y, r, o, inW, outW);
            for (; o < o1; o++) y[r * outW + o] = SimdMath.Dot(x.AsSpan(r * inW, inW), w.AsSpan(o * inW, inW));
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
            a00 += v * b0; a01 += v * b1; a02 += v * b2;
            v = Vector.LoadUnsafe(ref xr, x1 + k);
            a10 += v * b0; a11 += v * b1; a12 += v * b2;
            v = Vector.LoadUnsafe(ref xr, x2 + k);
            a20 += v * b0; a21 += v * b1; a22 += v * b2;
            v = Vector.LoadUnsafe(ref xr, x3 + k);
            a30 += v * b0; a31 += v * b1; a32 += v * b2;
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

    // One row of x against 4 rows of W (batch 1 is bound by reading W once).
    private static void DotTile1x4(float[] x, float[] w, float[] y, int r, int o, int inW, int outW)
    {
        ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
        ref float wr = ref MemoryMarshal.GetArrayDataReference(w);
        nuint x0 = (nuint)(r * inW), w0 = (nuint)(o * inW), w1 = w0 + (nuint)inW, w2 = w1 + (nuint)inW, w3 = w2 + (nuint)inW;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        int i = 0;
        for (; i <= inW - V; i += V)
        {
            nuint k = (nuint)i;
            var v = Vector.LoadUnsafe(ref xr, x0 + k);
            a0 += v * Vector.LoadUnsafe(ref wr, w0 + k);
            a1 += v * Vector.LoadUnsafe(ref wr, w1 + k);
            a2 += v * Vector.LoadUnsafe(ref wr, w2 + k);
            a3 += v * Vector.LoadUnsafe(ref wr, w3 + k);
        }
        float s0 = Vector.Sum(a0), s1 = Vector.Sum(a1), s2 = Vector.Sum(a2), s3 = Vector.Sum(a3);
        for (; i < inW; i++)
        {
            float v = x[(int)x0 + i];
            s0 += v * w[(int)w0 + i]; s1 += v * w[(int)w1 + i]; s2 += v * w[(int)w2 + i]; s3 += v * w[(int)w3 + i];
        }
        int y0 = r * outW + o;
        y[y0] = s0; y[y0 + 1] = s1; y[y0 + 2] = s2; y[y0 + 3] = s3;
    }

    /// <summary>
    /// dst[r, i] = sum_o coef[r, o] W[o, i]^p for columns i in [i0, i1), all rows (NN product).
    /// coef and dst are one channel plane each: coef (N, out) at <paramref name="cOff"/>, dst (N, in) at <paramref name="dOff"/>.
    /// </summary>
    public static void BackInput(float[] coef, int cOff, float[] w, float[] dst, int dOff, int n, int inW, int outW, int i0, int i1, bool squared)
    {
        int r = 0;
        for (; r + 4 <= n; r += 4) AxpyRows(coef, cOff, w, dst, dOff, r, 4, inW, outW, i0, i1, squared);
        for (; r < n; r++) AxpyRows(coef, cOff, w, dst, dOff, r, 1, inW, outW, i0, i1, squared);
    }

    // rows x 2 vectors of columns per tile: accumulators stay in registers over the whole o loop.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AxpyRows(float[] coef, int cOff, float[] w, float[] dst, int dOff, int r, int rows, int inW, int outW, int i0, int i1, bool squared)
    {
        ref float wr = ref MemoryMarshal.GetArrayDataReference(w);
        ref float dr = ref MemoryMarshal.GetArrayDataReference(dst);
        int c0 = cOff + r * outW;
        int i = i0;
        for (; i + 2 * V <= i1; i += 2 * V)
        {
            Vector<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
            for (int o = 0; o < outW; o++)
            {
                nuint k = (nuint)(o * inW + i);
                var b0 = Vector.LoadUnsafe(ref wr, k);
                var b1 = Vector.LoadUnsafe(ref wr, k + (nuint)V);
                if (squared) { b0 *= b0; b1 *= b1; }
                var g = new Vector<float>(coef[c0 + o]);
                a00 += g * b0; a01 += g * b1;
                if (rows == 4)
                {
                    g = new Vector<float>(coef[c0 + outW + o]);
                    a10 += g * b0; a11 += g * b1;
                    g = new Vector<float>(coef[c0 + 2 * outW + o]);
                    a20 += g * b0; a21 += g * b1;
                    g = new Vector<float>(coef[c0 + 3 * outW + o]);
                    a30 += g * b0; a31 += g * b1;
                }
            }
            nuint d = (nuint)(dOff + r * inW + i);
            a00.StoreUnsafe(ref dr, d); a01.StoreUnsafe(ref dr, d + (nuint)V);
            if (rows == 4)
            {
                d += (nuint)inW; a10.StoreUnsafe(ref dr, d); a11.StoreUnsafe(ref dr, d + (nuint)V);
                d += (nuint)inW; a20.StoreUnsafe(ref dr, d); a21.StoreUnsafe(ref dr, d + (nuint)V);
                d += (nuint)inW; a30.StoreUnsafe(ref dr, d); a31.StoreUnsafe(ref dr, d + (nuint)V);
            }
        }
        for (; i < i1; i++)
        {
            for (int rr = 0; rr < rows; rr++)
            {
                float acc = 0f;
                int cr = c0 + rr * outW;
                for (int o = 0; o < outW; o++)
                {
                    float wv = w[o * inW + i];
                    acc += coef[cr + o] * (squared ? wv * wv : wv);
                }
                dst[dOff + (r + rr) * inW + i] = acc;
            }
        }
    }

    /// <summary>
    /// dW[o, i] = sum_r coef[r, o] h[r, i]^p for outputs o in [o0, o1), all columns (TN product);
    /// coef is one channel plane (N, out) at <paramref name="cOff"/>, dW one plane (out, in) at <paramref name="dOff"/>.
    /// </summary>
    public static void BackWeight(float[] coef, int cOff, float[] h, float[] dW, int dOff, int n, int inW, int outW, int o0, int o1, bool squared)
    {
        int o = o0;
        for (; o + 4 <= o1; o += 4) OuterTile(coef, cOff, h, dW, dOff, o, 4, n, inW, outW, squared);
        for (; o < o1; o++) OuterTile(coef, cOff, h, dW, dOff, o, 1, n, inW, outW, squared);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OuterTile(float[] coef, int cOff, float[] h, float[] dW, int dOff, int o, int outs, int n, int inW, int outW, bool squared)
    {
        ref float hr = ref MemoryMarshal.GetArrayDataReference(h);
        ref float dr = ref MemoryMarshal.GetArrayDataReference(dW);
        int i = 0;
        for (; i + 2 * V <= inW; i += 2 * V)
        {
            Vector<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
            for (int r = 0; r < n; r++)
            {
                nuint k = (nuint)(r * inW + i);
                var b0 = Vector.LoadUnsafe(ref hr, k);
                var b1 = Vector.LoadUnsafe(ref hr, k + (nuint)V);
                if (squared) { b0 *= b0; b1 *= b1; }
                int c = cOff + r * outW + o;
                var g = new Vector<float>(coef[c]);
                a00 += g * b0; a01 += g * b1;
                if (outs == 4)
                {
                    g = new Vector<float>(coef[c + 1]);
                    a10 += g * b0; a11 += g * b1;
                    g = new Vector<float>(coef[c + 2]);
                    a20 += g * b0; a21 += g * b1;
                    g = new Vector<float>(coef[c + 3]);
                    a30 += g * b0; a31 += g * b1;
                }
            }
            nuint d = (nuint)(dOff + o * inW + i);
            a00.StoreUnsafe(ref dr, d); a01.StoreUnsafe(ref dr, d + (nuint)V);
            if (outs == 4)
            {
                d += (nuint)inW; a10.StoreUnsafe(ref dr, d); a11.StoreUnsafe(ref dr, d + (nuint)V);
                d += (nuint)inW; a20.StoreUnsafe(ref dr, d); a21.StoreUnsafe(ref dr, d + (nuint)V);
                d += (nuint)inW; a30.StoreUnsafe(ref dr, d); a31.StoreUnsafe(ref dr, d + (nuint)V);
            }
        }
        for (; i < inW; i++)
        {
            for (int oo = 0; oo < outs; oo++)
            {
                float acc = 0f;
                for (int r = 0; r < n; r++)
                {
                    float hv = h[r * inW + i];
                    acc += coef[cOff + r * outW + o + oo] * (squared ? hv * hv : hv);
                }
                dW[dOff + (o + oo) * inW + i] = acc;
            }
        }
    }
}
