using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Native;

/// <summary>
/// The fast CPU path: the kernels' math on host arrays, vectorised with <see cref="System.Numerics.Vector{T}"/>
/// and split over threads. Same shapes and channel conventions as <see cref="LinearKernels"/>; the
/// layers' operations are their ops classes (<see cref="NativeLinearOps"/>, <see cref="NativeActivationOps"/>).
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

    /// <summary>The host array behind <paramref name="buffer"/> (for layer ops classes).</summary>
    public static float[] HostArray(DeviceBuffer buffer) => A(buffer);

    /// <summary>At most <see cref="Threads"/> workers: the options of the parallel loops.</summary>
    public ParallelOptions ParallelOptions => _options;

    public override DeviceBuffer Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new HostBuffer(length);
    }

    /// <summary>
    /// Splits [0, total) into chunks whose boundaries are multiples of <paramref name="align"/>
    /// and runs body(start, end) on each, in parallel when the work is large enough.
    /// </summary>
    public void ForChunks(int total, int align, long work, Action<int, int> body)
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

    /// <summary>Elements per work chunk of the elementwise loops (transcendentals cost ~10-25 ns each).</summary>
    internal const int ElementChunk = 4096;

    public override void LossBackward(LossSpec loss, DeviceBuffer y, DeviceBuffer targets, DeviceBuffer b, DeviceBuffer lossPerSample,
        int n, int k, int channels, int packedModes)
    {
        var (yv, tv, bv, lv) = (new ArrayFloats(A(y)), new ArrayFloats(A(targets)), new ArrayFloats(A(b)), new ArrayFloats(A(lossPerSample)));
        float invM = 1f / loss.Divisor(n, k);
        bool ce = loss.Kind == LossKind.CrossEntropy;
        for (int s = 0; s < n; s++) LossMath.Sample(yv, tv, bv, lv, s, n, k, channels, ce, invM, packedModes);
    }

    /// <summary>Below this batch size products are outer-product shaped: stream W and h once, no packing.</summary>
    internal const int SmallBatch = 4;

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
