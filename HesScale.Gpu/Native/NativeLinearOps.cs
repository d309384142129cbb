using HesScale.Gpu.Engine;
using HesScale.Gpu.Layers;

namespace HesScale.Gpu.Native;

/// <summary>
/// <see cref="LinearOps"/> on host arrays: panel products of <see cref="Gemm"/> from batch
/// <see cref="NativeBackend.SmallBatch"/>, <see cref="Gemm.Forward"/> and <see cref="FusedLinearBackward"/>
/// below it, and the comparison methods' Linear steps (the formulas of <see cref="Kernels.CurvatureKernels"/>,
/// <see cref="Kernels.RForwardKernels"/>, <see cref="Kernels.CurvatureRBackwardKernels"/>), split over
/// the backend's threads. No per-call allocations on the forward/backward paths (thread-static scratch).
/// </summary>
internal sealed class NativeLinearOps(NativeBackend backend) : LinearOps(backend)
{
    private const int SmallBatch = NativeBackend.SmallBatch;

    private readonly NativeBackend _backend = backend;
    private readonly ParallelOptions _options = backend.ParallelOptions;

    private bool WideTiles => _backend.WideTiles;

    [ThreadStatic] private static float[]? t_packed;
    [ThreadStatic] private static float[]? t_packedSquared;
    [ThreadStatic] private static float[]? t_transposed;

    private static float[] A(DeviceBuffer buffer) => NativeBackend.HostArray(buffer);

    private void ForChunks(int total, int align, long work, Action<int, int> body) => _backend.ForChunks(total, align, work, body);

    /// <summary>Runs body(i) for i in [0, count), split over threads when the work is large enough.</summary>
    private void For(int count, long work, Action<int> body) =>
        ForChunks(count, 1, work, (start, end) =>
        {
            for (int i = start; i < end; i++) body(i);
        });

    public override void Forward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer y, int n, int inW, int outW)
    {
        float[] xs = A(x), ws = A(w), ys = A(y);
        float[]? bs = b is null ? null : A(b);
        long work = (long)n * outW * inW;
        if (n < SmallBatch)
        {
            // Batch 1..3 is bound by reading W once: dot-product tiles over rows of W.
            ForChunks(outW, 12, work, (o0, o1) => Gemm.Forward(xs, ws, bs, ys, n, inW, outW, o0, o1));
            return;
        }
        // Larger batches: y = x W^T as panel products (W^T panels packed per column block of y),
        // the same FMA register tiles as backward; output columns split over threads by panel.
        int panel = Gemm.Panel(WideTiles);
        ForChunks(outW, panel, work, (o0, o1) =>
        {
            var packed = Gemm.Scratch(ref t_packed, inW * panel);
            for (int p0 = o0; p0 < o1; p0 += panel)
            {
                int width = Math.Min(panel, o1 - p0);
                Gemm.PackTransposedPanel(WideTiles, ws, inW, p0, width, packed);
                Gemm.PanelProduct(WideTiles, xs, 0, inW, 1, inW, packed, ys, 0, outW, 0, n, p0, width);
            }
            if (bs is not null)
                for (int r = 0; r < n; r++)
                    for (int o = o0; o < o1; o++) ys[r * outW + o] += bs[o];
        });
    }

    public override void Backward(DeviceBuffer bOut, DeviceBuffer h, DeviceBuffer w, DeviceBuffer? bIn, DeviceBuffer dW, DeviceBuffer? db,
        int n, int inW, int outW, int channels, int linearChannels)
    {
        float[] bo = A(bOut), hv = A(h), wv = A(w), dwv = A(dW);
        int plane = n * outW, paramPlane = outW * inW, panel = Gemm.Panel(WideTiles);
        long work = (long)channels * n * inW * outW;
        bool anySquared = channels > linearChannels;

        if (n < SmallBatch)
        {
            // Outer-product shaped: one sweep over the rows of W for every channel (FusedLinearBackward).
            FusedLinearBackward.Run(bo, hv, wv, bIn is null ? null : A(bIn), dwv, db is null ? null : A(db), n, inW, outW, channels, linearChannels, _options);
            return;
        }

        // Parameter quantities dW[c] = B[c]^T h^p; per column panel of h, h and h^2 packed once and
        // shared by every channel. B^T: read in place while a channel of B stays small (the six rows
        // of a tile are adjacent outputs, one cache line per sample); past 1 MB the sample stride
        // walks the caches' sets (4 KB strides alias), so B^T is copied out once per channel.
        bool inPlace = (long)n * outW <= 1 << 18;
        float[] bt = bo;
        if (!inPlace)
        {
            bt = Gemm.Scratch(ref t_transposed, channels * plane);
            for (int c = 0; c < channels; c++) Gemm.Transpose(bo, c * plane, n, outW, bt, c * plane);
        }
        int rowStride = inPlace ? 1 : n, kStride = inPlace ? outW : 1;
        ForChunks(inW, panel, work, (i0, i1) =>
        {
            var packed = Gemm.Scratch(ref t_packed, n * panel);
            var packedSq = Gemm.Scratch(ref t_packedSquared, n * panel);
            for (int p0 = i0; p0 < i1; p0 += panel)
            {
                int width = Math.Min(panel, i1 - p0);
                Gemm.PackPanel(WideTiles, hv, inW, n, p0, width, false, packed);
                if (anySquared) Gemm.PackPanel(WideTiles, hv, inW, n, p0, width, true, packedSq);
                for (int c = 0; c < channels; c++)
                    Gemm.PanelProduct(WideTiles, bt, c * plane, rowStride, kStride, n, c >= linearChannels ? packedSq : packed, dwv, c * paramPlane, inW, 0, outW, p0, width);
            }
        });
        BiasSums(bo, db, n, outW, channels);

        if (bIn is null) return;
        float[] bi = A(bIn);
        int inPlane = n * inW;
        // Input stack Bin[c] = B[c] W^p: per column panel of W, W and W^2 packed once and shared
        // by every channel, so W is read from memory once per pass.
        ForChunks(inW, panel, work, (i0, i1) =>
        {
            var packed = Gemm.Scratch(ref t_packed, outW * panel);
            var packedSq = Gemm.Scratch(ref t_packedSquared, outW * panel);
            for (int p0 = i0; p0 < i1; p0 += panel)
            {
                int width = Math.Min(panel, i1 - p0);
                Gemm.PackPanel(WideTiles, wv, inW, outW, p0, width, false, packed);
                if (anySquared) Gemm.PackPanel(WideTiles, wv, inW, outW, p0, width, true, packedSq);
                for (int c = 0; c < channels; c++)
                    Gemm.PanelProduct(WideTiles, bo, c * plane, outW, 1, outW, c >= linearChannels ? packedSq : packed, bi, c * inPlane, inW, 0, n, p0, width);
            }
        });
    }

    private static void BiasSums(float[] bo, DeviceBuffer? db, int n, int outW, int channels)
    {
        if (db is null) return;
        float[] dbv = A(db);
        int plane = n * outW;
        for (int c = 0; c < channels; c++)
        {
            var sum = dbv.AsSpan(c * outW, outW);
            bo.AsSpan(c * plane, outW).CopyTo(sum);
            for (int s = 1; s < n; s++) SimdMath.AddScaled(sum, 1f, bo.AsSpan(c * plane + s * outW, outW));
        }
    }

    public override void ColumnsThrough(DeviceBuffer sOut, DeviceBuffer w, DeviceBuffer sIn, int columns, int n, int inW, int outW)
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

    public override void RForward(DeviceBuffer? rh, DeviceBuffer h, DeviceBuffer w, DeviceBuffer v, DeviceBuffer? vb, DeviceBuffer ra,
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

    public override void RBackwardInput(DeviceBuffer rg, DeviceBuffer g, DeviceBuffer w, DeviceBuffer v, DeviceBuffer rgIn, int columns, int n, int inW, int outW)
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

    public override void RBackwardWeight(DeviceBuffer rg, DeviceBuffer g, DeviceBuffer h, DeviceBuffer? rh, DeviceBuffer hv, DeviceBuffer? hvb,
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
