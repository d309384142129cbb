using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Native;

/// <summary>
/// The fast CPU path: the kernels' math on host arrays, vectorised with <see cref="System.Numerics.Vector{T}"/>
/// and split over threads. Same shapes and channel conventions as <see cref="LinearKernels"/>.
/// Small jobs run on the calling thread (a parallel loop costs microseconds).
/// </summary>
internal sealed partial class NativeBackend : Backend
{
    /// <summary>Multiply-adds below which a call stays on one thread.</summary>
    private const long ParallelThreshold = 1 << 17;

    private readonly ParallelOptions _options;

    /// <param name="threads">Worker threads (0: one per core).</param>
    /// <param name="wideTiles">512-bit panel tiles instead of Vector&lt;float&gt; ones (default <see cref="Gemm.WideByDefault"/>; tests force each family).</param>
    public NativeBackend(int threads, bool wideTiles)
    {
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
        WideTiles = wideTiles;
        _options = new ParallelOptions { MaxDegreeOfParallelism = Threads };
        Name = $"cpu: native, {Threads} thread{(Threads == 1 ? "" : "s")}, {Vector<float>.Count}-wide SIMD";
    }

    public int Threads { get; }

    /// <summary>Whether the panel products use 512-bit register tiles (<see cref="Gemm.Panel"/>).</summary>
    public bool WideTiles { get; }
    public override DeviceKind Kind => DeviceKind.Cpu;
    public override string Name { get; }

    private static float[] A(DeviceBuffer buffer) => ((HostBuffer)buffer).Data;

    /// <summary>The host array behind <paramref name="buffer"/> (at least its length; for layer ops classes).</summary>
    internal static float[] HostArray(DeviceBuffer buffer) => A(buffer);

    public override DeviceBuffer Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new HostBuffer(length);
    }

    /// <summary>
    /// Splits [0, total) into chunks whose boundaries are multiples of <paramref name="align"/>
    /// and runs body(start, end) on each, in parallel when the work is large enough.
    /// </summary>
    private void ForChunks(int total, int align, long work, Action<int, int> body)
    {
        int units = (total + align - 1) / align;
        int chunks = Threads == 1 || work < ParallelThreshold ? 1 : Math.Min(units, Threads * 4);
        if (chunks <= 1)
        {
            body(0, total);
            return;
        }
        Parallel.For(0, chunks, _options, c =>
        {
            int start = (int)((long)units * c / chunks) * align;
            int end = Math.Min(total, (int)((long)units * (c + 1) / chunks) * align);
            if (start < end) body(start, end);
        });
    }

    public override void LinearForward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer y, int n, int inW, int outW)
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

    /// <summary>Elements per work chunk of the elementwise loops (transcendentals cost ~10-25 ns each).</summary>
    private const int ElementChunk = 4096;

    public override void ActivationForward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, int count)
    {
        float[] av = A(a), zv = A(z);
        int kind = (int)layer.Kind;
        float slope = layer.Slope;
        // tanh and sigmoid (the paper's activations) through TensorPrimitives' vectorised versions:
        // ~1 ns per element instead of ~20 for the scalar XMath calls the kernels use.
        if (kind == (int)LayerKind.Tanh || kind == (int)LayerKind.Sigmoid)
        {
            ForChunks(count, ElementChunk, 2L * count, (i0, i1) =>
            {
                var src = av.AsSpan(i0, i1 - i0);
                var dst = zv.AsSpan(i0, i1 - i0);
                if (kind == (int)LayerKind.Tanh) TensorPrimitives.Tanh(src, dst);
                else TensorPrimitives.Sigmoid(src, dst);
            });
            return;
        }
        ForChunks(count, ElementChunk, 16L * count, (i0, i1) =>
        {
            for (int i = i0; i < i1; i++) zv[i] = ActivationMath.Forward(kind, slope, av[i]);
        });
    }

    public override void LossBackward(LossSpec loss, DeviceBuffer y, DeviceBuffer targets, DeviceBuffer b, DeviceBuffer lossPerSample,
        int n, int k, int channels, int packedModes)
    {
        var (yv, tv, bv, lv) = (new ArrayFloats(A(y)), new ArrayFloats(A(targets)), new ArrayFloats(A(b)), new ArrayFloats(A(lossPerSample)));
        float invM = 1f / loss.Divisor(n, k);
        bool ce = loss.Kind == LossKind.CrossEntropy;
        for (int s = 0; s < n; s++) LossMath.Sample(yv, tv, bv, lv, s, n, k, channels, ce, invM, packedModes);
    }

    public override void ActivationBackward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, DeviceBuffer bz, DeviceBuffer ba, int count, int channels, int packedModes)
    {
        float[] av = A(a), zs = A(z), zv = A(bz), outv = A(ba);
        int kind = (int)layer.Kind;
        float slope = layer.Slope;
        bool smooth = kind == (int)LayerKind.Tanh || kind == (int)LayerKind.Sigmoid;
        ForChunks(count, ElementChunk, 4L * channels * count, (i0, i1) =>
        {
            // tanh / sigmoid: derivatives from the stored output z only, so whole vectors at a time
            // (same operations in the same order as ActivationMath.Derivatives: identical results).
            if (smooth) i0 = SmoothBackwardVectors(kind == (int)LayerKind.Tanh, zs, zv, outv, count, channels, packedModes, i0, i1);
            for (int i = i0; i < i1; i++)
            {
                ActivationMath.Derivatives(kind, slope, av[i], zs[i], out float d1, out float d2);
                float g = zv[i];
                outv[i] = d1 * g;
                float residual = d2 * g, d1Sq = d1 * d1;
                for (int c = 1; c < channels; c++)
                {
                    float d = d1Sq * zv[c * count + i];
                    if (Channels.KeepsResidual(Channels.ModeOf(packedModes, c))) d += residual;
                    outv[c * count + i] = d;
                }
            }
        });
    }

    /// <summary>Vector part of the tanh / sigmoid backward over [i0, i1); returns where the scalar tail starts.</summary>
    private static int SmoothBackwardVectors(bool tanh, float[] zs, float[] bz, float[] ba, int count, int channels, int packedModes, int i0, int i1)
    {
        int width = Vector<float>.Count, i = i0;
        ref float zr = ref MemoryMarshal.GetArrayDataReference(zs);
        ref float br = ref MemoryMarshal.GetArrayDataReference(bz);
        ref float or = ref MemoryMarshal.GetArrayDataReference(ba);
        var one = Vector<float>.One;
        var two = new Vector<float>(2f);
        for (; i <= i1 - width; i += width)
        {
            var z = Vector.LoadUnsafe(ref zr, (nuint)i);
            Vector<float> d1, d2;
            if (tanh)
            {
                d1 = one - z * z;
                d2 = -two * z * d1;
            }
            else
            {
                d1 = z * (one - z);
                d2 = d1 * (one - two * z);
            }
            var g = Vector.LoadUnsafe(ref br, (nuint)i);
            (d1 * g).StoreUnsafe(ref or, (nuint)i);
            var residual = d2 * g;
            var d1Sq = d1 * d1;
            for (int c = 1; c < channels; c++)
            {
                nuint at = (nuint)(c * count + i);
                var d = d1Sq * Vector.LoadUnsafe(ref br, at);
                if (Channels.KeepsResidual(Channels.ModeOf(packedModes, c))) d += residual;
                d.StoreUnsafe(ref or, at);
            }
        }
        return i;
    }

    [ThreadStatic] private static float[]? t_packed;
    [ThreadStatic] private static float[]? t_packedSquared;
    [ThreadStatic] private static float[]? t_transposed;

    public override void LinearBackward(DeviceBuffer bOut, DeviceBuffer h, DeviceBuffer w, DeviceBuffer? bIn, DeviceBuffer dW, DeviceBuffer? db,
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

    /// <summary>Below this batch size products are outer-product shaped: stream W and h once, no packing.</summary>
    internal const int SmallBatch = 4;

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

    public override void Synchronize() { }

    public override void Dispose() => DisposeLayerOps();

    private sealed class HostBuffer(int length) : DeviceBuffer
    {
        public float[] Data { get; } = new float[Math.Max(1, length)];
        public override int Length { get; } = length;

        public override void Upload(ReadOnlySpan<float> source, int offset = 0) => source.CopyTo(Data.AsSpan(offset, source.Length));

        public override void Download(Span<float> destination, int offset = 0) => Data.AsSpan(offset, destination.Length).CopyTo(destination);

        public override void Dispose() { }
    }
}
