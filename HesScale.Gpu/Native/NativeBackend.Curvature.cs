using System.Numerics.Tensors;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Native;

/// <summary>
/// The comparison methods on host arrays: the same formulas and shapes as
/// <see cref="CurvatureKernels"/>, <see cref="RForwardKernels"/> and <see cref="CurvatureRBackwardKernels"/>,
/// the same counter-based random numbers (<see cref="RandomMath"/>), rows split over threads.
/// </summary>
internal sealed partial class NativeBackend
{
    /// <summary>Runs body(i) for i in [0, count), split over threads when the work is large enough.</summary>
    private void For(int count, long work, Action<int> body) =>
        ForChunks(count, 1, work, (start, end) =>
        {
            for (int i = start; i < end; i++) body(i);
        });

    public override void OutputFactors(LossSpec loss, DeviceBuffer y, DeviceBuffer s, DeviceBuffer signs, int n, int k, int columns, int mode, ulong seed, ulong stream)
    {
        var (yv, sv, sg) = (new ArrayFloats(A(y)), new ArrayFloats(A(s)), new ArrayFloats(A(signs)));
        float invM = 1f / loss.Divisor(n, k);
        bool ce = loss.Kind == LossKind.CrossEntropy;
        for (int idx = 0; idx < columns * n; idx++) LossMath.OutputFactor(yv, sv, sg, idx, n, k, ce, invM, mode, seed, stream);
    }

    public override void ColumnsThroughLinear(DeviceBuffer sOut, DeviceBuffer w, DeviceBuffer sIn, int columns, int n, int inW, int outW)
    {
        float[] so = A(sOut), wv = A(w), si = A(sIn);
        For(columns * n, (long)columns * n * inW * outW, row =>
        {
            var dst = si.AsSpan(row * inW, inW);
            dst.Clear();
            for (int o = 0; o < outW; o++)
            {
                float coef = so[row * outW + o];
                if (coef != 0f) SimdMath.AddScaled(dst, coef, wv.AsSpan(o * inW, inW));
            }
        });
    }

    public override void ColumnsThroughActivation(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer sz, DeviceBuffer sa, DeviceBuffer signs,
        int columns, bool residual, int n, int width)
    {
        float[] av = A(a), gv = A(g), zv = A(sz), outv = A(sa), sg = A(signs);
        int kind = (int)layer.Kind, plane = n * width;
        for (int e = 0; e < plane; e++)
        {
            CurvatureDerivatives.At(kind, layer.Slope, av[e], out float d1, out float d2);
            for (int r = 0; r < columns; r++) outv[r * plane + e] = d1 * zv[r * plane + e];
        }
        if (!residual) return;
        Array.Clear(outv, columns * plane, width * plane);
        for (int e = 0; e < plane; e++)
        {
            CurvatureDerivatives.At(kind, layer.Slope, av[e], out float _, out float d2);
            int sample = e / width, j = e - sample * width, r = columns + j;
            float value = d2 * gv[e];
            outv[r * plane + e] = MathF.Sqrt(MathF.Abs(value));
            sg[r * n + sample] = value < 0f ? -1f : 1f;
        }
    }

    public override void ColumnEnergy(DeviceBuffer s, DeviceBuffer signs, DeviceBuffer q, int columns, int n, int width, float scale)
    {
        float[] sv = A(s), sg = A(signs), qv = A(q);
        int plane = n * width;
        Array.Clear(qv, 0, plane);
        for (int r = 0; r < columns; r++)
        {
            for (int sample = 0; sample < n; sample++)
            {
                float sign = sg[r * n + sample];
                int off = r * plane + sample * width;
                for (int o = 0; o < width; o++) qv[sample * width + o] += sign * sv[off + o] * sv[off + o];
            }
        }
        for (int i = 0; i < plane; i++) qv[i] *= scale;
    }

    public override void KfacWeight(DeviceBuffer q, DeviceBuffer h, DeviceBuffer dW, DeviceBuffer? db, int n, int inW, int outW)
    {
        float[] qv = A(q), hv = A(h), dwv = A(dW);
        var aDiag = new float[inW];
        for (int s = 0; s < n; s++) SimdMath.AddScaledSquare(aDiag, 1f / n, hv.AsSpan(s * inW, inW));
        for (int o = 0; o < outW; o++)
        {
            float gDiag = 0f;
            for (int s = 0; s < n; s++) gDiag += qv[s * outW + o];
            for (int i = 0; i < inW; i++) dwv[o * inW + i] = gDiag * aDiag[i];
            if (db is not null) A(db)[o] = gDiag;
        }
    }

    public override void Rademacher(DeviceBuffer v, int count, ulong seed, ulong stream)
    {
        float[] vv = A(v);
        ulong key = RandomMath.Key(seed, stream);
        ForChunks(count, ElementChunk, 4L * count, (i0, i1) =>
        {
            for (int i = i0; i < i1; i++) vv[i] = RandomMath.RademacherAt(key, (ulong)i);
        });
    }

    public override void ProductMean(DeviceBuffer v, DeviceBuffer hv, DeviceBuffer diag, int columns, int length, float scale)
    {
        float[] vv = A(v), hvv = A(hv), dv = A(diag);
        if (columns == 1)
        {
            // One sample (the common AdaHessian step): diag = scale v (H v), vectorised.
            TensorPrimitives.Multiply(vv.AsSpan(0, length), hvv.AsSpan(0, length), dv.AsSpan(0, length));
            if (scale != 1f) TensorPrimitives.Multiply(dv.AsSpan(0, length), scale, dv.AsSpan(0, length));
            return;
        }
        for (int j = 0; j < length; j++)
        {
            float acc = 0f;
            for (int r = 0; r < columns; r++) acc += vv[r * length + j] * hvv[r * length + j];
            dv[j] = scale * acc;
        }
    }

    public override void CopyPower(DeviceBuffer src, DeviceBuffer dst, int srcOffset, int dstOffset, int count, bool squared)
    {
        float[] sv = A(src), dv = A(dst);
        for (int i = 0; i < count; i++)
        {
            float v = sv[srcOffset + i];
            dv[dstOffset + i] = squared ? v * v : v;
        }
    }

    public override void RForwardLinear(DeviceBuffer? rh, DeviceBuffer h, DeviceBuffer w, DeviceBuffer v, DeviceBuffer? vb, DeviceBuffer ra,
        int columns, int n, int inW, int outW)
    {
        float[] hv = A(h), wv = A(w), vv = A(v), rav = A(ra);
        float[]? rhv = rh is null ? null : A(rh), vbv = vb is null ? null : A(vb);
        For(columns * n, 2L * columns * n * inW * outW, row =>
        {
            int r = row / n, s = row - r * n;
            var hRow = hv.AsSpan(s * inW, inW);
            for (int o = 0; o < outW; o++)
            {
                float acc = vbv is null ? 0f : vbv[r * outW + o];
                acc += SimdMath.Dot(hRow, vv.AsSpan((r * outW + o) * inW, inW));
                if (rhv is not null) acc += SimdMath.Dot(rhv.AsSpan(row * inW, inW), wv.AsSpan(o * inW, inW));
                rav[row * outW + o] = acc;
            }
        });
    }

    public override void RForwardActivation(LayerSpec layer, DeviceBuffer a, DeviceBuffer ra, DeviceBuffer rz, int columns, int count)
    {
        float[] av = A(a), rav = A(ra), rzv = A(rz);
        for (int e = 0; e < count; e++)
        {
            CurvatureDerivatives.At((int)layer.Kind, layer.Slope, av[e], out float d1, out float _);
            for (int r = 0; r < columns; r++) rzv[r * count + e] = d1 * rav[r * count + e];
        }
    }

    public override void RLoss(LossSpec loss, DeviceBuffer y, DeviceBuffer ry, DeviceBuffer rg, int columns, int n, int k)
    {
        var (yv, ryv, rgv) = (new ArrayFloats(A(y)), new ArrayFloats(A(ry)), new ArrayFloats(A(rg)));
        float invM = 1f / loss.Divisor(n, k);
        bool ce = loss.Kind == LossKind.CrossEntropy;
        for (int idx = 0; idx < columns * n; idx++) LossMath.RLoss(yv, ryv, rgv, idx, n, k, ce, invM);
    }

    public override void RBackwardActivation(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer ra, DeviceBuffer rgz, DeviceBuffer rga, int columns, int count)
    {
        float[] av = A(a), gv = A(g), rav = A(ra), rgzv = A(rgz), rgav = A(rga);
        for (int e = 0; e < count; e++)
        {
            CurvatureDerivatives.At((int)layer.Kind, layer.Slope, av[e], out float d1, out float d2);
            float curvature = gv[e] * d2;
            for (int r = 0; r < columns; r++)
            {
                int idx = r * count + e;
                rgav[idx] = rgzv[idx] * d1 + curvature * rav[idx];
            }
        }
    }

    public override void RBackwardLinearInput(DeviceBuffer rg, DeviceBuffer g, DeviceBuffer w, DeviceBuffer v, DeviceBuffer rgIn, int columns, int n, int inW, int outW)
    {
        float[] rgv = A(rg), gv = A(g), wv = A(w), vv = A(v), outv = A(rgIn);
        For(columns * n, 2L * columns * n * inW * outW, row =>
        {
            int r = row / n, s = row - r * n;
            var dst = outv.AsSpan(row * inW, inW);
            dst.Clear();
            for (int o = 0; o < outW; o++)
            {
                float coef = rgv[row * outW + o];
                if (coef != 0f) SimdMath.AddScaled(dst, coef, wv.AsSpan(o * inW, inW));
                float gc = gv[s * outW + o];
                if (gc != 0f) SimdMath.AddScaled(dst, gc, vv.AsSpan((r * outW + o) * inW, inW));
            }
        });
    }

    public override void RBackwardLinearWeight(DeviceBuffer rg, DeviceBuffer g, DeviceBuffer h, DeviceBuffer? rh, DeviceBuffer hv, DeviceBuffer? hvb,
        int columns, int n, int inW, int outW)
    {
        float[] rgv = A(rg), gv = A(g), hvv = A(h), outv = A(hv);
        float[]? rhv = rh is null ? null : A(rh), hvbv = hvb is null ? null : A(hvb);
        For(columns * outW, 2L * columns * n * inW * outW, ro =>
        {
            int r = ro / outW, o = ro - r * outW;
            var dst = outv.AsSpan(ro * inW, inW);
            dst.Clear();
            float biasAcc = 0f;
            for (int s = 0; s < n; s++)
            {
                float coef = rgv[(r * n + s) * outW + o];
                biasAcc += coef;
                if (coef != 0f) SimdMath.AddScaled(dst, coef, hvv.AsSpan(s * inW, inW));
                float gc = gv[s * outW + o];
                if (rhv is not null && gc != 0f) SimdMath.AddScaled(dst, gc, rhv.AsSpan((r * n + s) * inW, inW));
            }
            if (hvbv is not null) hvbv[ro] = biasAcc;
        });
    }
}
