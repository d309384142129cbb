using HesScale.Gpu.Native;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// The max and average pooling operations every backend offers, one signature over the backend's storage
/// (<typeparamref name="TFloats"/> for values, <typeparamref name="TInts"/> for the arg-max). Shapes per
/// <see cref="Pool2dGeometry"/> and <see cref="Pool2dKernels"/>; arguments are checked before anything runs.
/// </summary>
internal interface IPool2dOps<TFloats, TInts>
{
    /// <summary>y (N, C, OH, OW) = each window's maximum; arg (N, C, OH, OW) = the row index of its first maximum.</summary>
    void MaxForward(in Pool2dGeometry g, TFloats x, TFloats y, TInts arg, int n);

    /// <summary>Bin (Ch, N, C, H, W) = each channel of B (Ch, N, C, OH, OW) routed to the arg-max: gradient and HesScale alike.</summary>
    void MaxBackward(in Pool2dGeometry g, TFloats bOut, TInts arg, TFloats bIn, int n, int channels);

    /// <summary>y = each window's sum / (kh*kw), padded zeros counted.</summary>
    void AvgForward(in Pool2dGeometry g, TFloats x, TFloats y, int n);

    /// <summary>Bin = B spread over each window's taps times 1/k for the first <paramref name="linearChannels"/>, (1/k)^2 for the rest.</summary>
    void AvgBackward(in Pool2dGeometry g, TFloats bOut, TFloats bIn, int n, int channels, int linearChannels);
}

/// <summary>Pooling's entry points on both backends (<see cref="Native"/>, <see cref="Ilgpu"/>) and their argument checks.</summary>
internal static class Pool2dOps
{
    /// <summary>The native CPU path (<see cref="Pool2d"/>) on up to <paramref name="threads"/> threads (large calls only).</summary>
    public sealed class Native(int threads = 1) : IPool2dOps<float[], int[]>
    {
        public void MaxForward(in Pool2dGeometry g, float[] x, float[] y, int[] arg, int n)
        {
            CheckForward(g, n, x.Length, y.Length, arg.Length);
            Pool2d.MaxForward(g, x, y, arg, n, threads);
        }

        public void MaxBackward(in Pool2dGeometry g, float[] bOut, int[] arg, float[] bIn, int n, int channels)
        {
            CheckBackward(g, n, channels, channels, bOut.Length, bIn.Length, arg.Length);
            Pool2d.MaxBackward(g, bOut, arg, bIn, n, channels, threads);
        }

        public void AvgForward(in Pool2dGeometry g, float[] x, float[] y, int n)
        {
            CheckForward(g, n, x.Length, y.Length, null);
            Pool2d.AvgForward(g, x, y, n, threads);
        }

        public void AvgBackward(in Pool2dGeometry g, float[] bOut, float[] bIn, int n, int channels, int linearChannels)
        {
            CheckBackward(g, n, channels, linearChannels, bOut.Length, bIn.Length, null);
            Pool2d.AvgBackward(g, bOut, bIn, n, channels, linearChannels, threads);
        }
    }

    /// <summary>The kernels of <see cref="Pool2dKernels"/> on one accelerator, compiled once here.</summary>
    public sealed class Ilgpu : IPool2dOps<ArrayView<float>, ArrayView<int>>
    {
        private readonly Func<int, KernelConfig> _launch;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<int>, Pool2dGeometry, int> _maxForward;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, Pool2dGeometry, int, int> _maxBackward;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, Pool2dGeometry, int> _avgForward;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, Pool2dGeometry, int, int, int> _avgBackward;

        /// <param name="accelerator">Where the kernels are loaded.</param>
        /// <param name="launch">The owning backend's grid-stride launch shape (<c>IlgpuBackend.LaunchShape</c>, which counts launches).</param>
        public Ilgpu(Accelerator accelerator, Func<int, KernelConfig> launch)
        {
            _launch = launch;
            _maxForward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<int>, Pool2dGeometry, int>(Pool2dKernels.MaxForward);
            _maxBackward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, Pool2dGeometry, int, int>(Pool2dKernels.MaxBackward);
            _avgForward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, Pool2dGeometry, int>(Pool2dKernels.AvgForward);
            _avgBackward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, Pool2dGeometry, int, int, int>(Pool2dKernels.AvgBackward);
        }

        private KernelConfig Launch(long total) => _launch(total <= int.MaxValue ? (int)total
            : throw new ArgumentOutOfRangeException(nameof(total), total, $"A kernel over {total} items is beyond int indexing; use a smaller batch."));

        public void MaxForward(in Pool2dGeometry g, ArrayView<float> x, ArrayView<float> y, ArrayView<int> arg, int n)
        {
            CheckForward(g, n, x.Length, y.Length, arg.Length);
            _maxForward(Launch((long)n * g.OutSize), x, y, arg, g, n);
        }

        public void MaxBackward(in Pool2dGeometry g, ArrayView<float> bOut, ArrayView<int> arg, ArrayView<float> bIn, int n, int channels)
        {
            CheckBackward(g, n, channels, channels, bOut.Length, bIn.Length, arg.Length);
            _maxBackward(Launch((long)channels * n * g.InSize), bOut, arg, bIn, g, n, channels);
        }

        public void AvgForward(in Pool2dGeometry g, ArrayView<float> x, ArrayView<float> y, int n)
        {
            CheckForward(g, n, x.Length, y.Length, null);
            _avgForward(Launch((long)n * g.OutSize), x, y, g, n);
        }

        public void AvgBackward(in Pool2dGeometry g, ArrayView<float> bOut, ArrayView<float> bIn, int n, int channels, int linearChannels)
        {
            CheckBackward(g, n, channels, linearChannels, bOut.Length, bIn.Length, null);
            _avgBackward(Launch((long)channels * n * g.InSize), bOut, bIn, g, n, channels, linearChannels);
        }
    }

    /// <summary>Forward's lengths: x n input rows, y (and the arg-max, when given) n output rows.</summary>
    public static void CheckForward(in Pool2dGeometry g, int n, long x, long y, long? arg)
    {
        g.CheckInput(n, x);
        g.CheckOutput(n, y);
        if (arg is long a) g.CheckOutput(n, a, "arg-max");
    }

    /// <summary>Backward's lengths: B channels x n output rows, Bin channels x n input rows, the arg-max (when given) n output rows.</summary>
    public static void CheckBackward(in Pool2dGeometry g, int n, int channels, int linearChannels, long bOut, long bIn, long? arg)
    {
        Conv2dOps.CheckChannels(g.Layer, channels, linearChannels);
        g.CheckOutput(checked(n * channels), bOut, "output stack (channels x batch rows)");
        g.CheckInput(checked(n * channels), bIn, "input stack (channels x batch rows)");
        if (arg is long a) g.CheckOutput(n, a, "arg-max");
    }
}
