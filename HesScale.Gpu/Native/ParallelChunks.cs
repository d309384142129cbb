namespace HesScale.Gpu.Native;

/// <summary>
/// Splits [0, count) into contiguous chunks run on up to <c>threads</c> threads, or on the calling thread when the
/// work is small (a parallel loop costs microseconds). The rule of <c>NativeBackend.ForChunks</c>, for static code.
/// </summary>
internal static class ParallelChunks
{
    /// <summary>Multiply-adds below which a call stays on one thread.</summary>
    public const long Threshold = 1 << 17;

    public static void Run(int count, int threads, long work, Action<int, int> body)
    {
        int chunks = threads <= 1 || work < Threshold ? 1 : Math.Min(count, threads);
        if (chunks <= 1)
        {
            body(0, count);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c =>
        {
            int start = (int)((long)count * c / chunks), end = (int)((long)count * (c + 1) / chunks);
            if (start < end) body(start, end);
        });
    }
}
