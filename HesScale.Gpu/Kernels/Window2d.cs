namespace HesScale.Gpu.Kernels;

/// <summary>
/// The sliding window PyTorch's Conv2d and pools share (dilation 1, floor mode): output (i, j) and kernel
/// offset (u, v) read input (i*sh + u - ph, j*sw + v - pw); out = floor((H + 2ph - kh) / sh) + 1.
/// The same definition as <c>HesScale.Reference.Layers.Window2d</c>.
/// </summary>
internal readonly record struct Window2d(int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW)
{
    /// <summary>
    /// The gather form of a window along one axis, for the backward kernels (one thread per input index x): the
    /// output index <paramref name="o"/> whose window puts tap <paramref name="tap"/> on x, when there is one
    /// (x + pad - tap a non-negative multiple of the stride, and o below <paramref name="outSize"/>).
    /// </summary>
    public static bool OutputOf(int x, int pad, int tap, int stride, int outSize, out int o)
    {
        int t = x + pad - tap;
        o = t / stride;
        return t >= 0 && t % stride == 0 && o < outSize;
    }

    /// <summary>A square window: kernel k x k, stride s, padding p on both axes.</summary>
    public static Window2d Square(int kernel, int stride = 1, int padding = 0) => new(kernel, kernel, stride, stride, padding, padding);

    /// <summary>
    /// The output height and width for a <paramref name="height"/> x <paramref name="width"/> input; throws an
    /// <see cref="ArgumentException"/> naming <paramref name="layer"/> and the numbers when they do not fit.
    /// </summary>
    public (int Height, int Width) OutputSize(string layer, int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentException($"{layer}: input {height}x{width} must be positive.");
        if (KernelH <= 0 || KernelW <= 0) throw new ArgumentException($"{layer}: kernel {KernelH}x{KernelW} must be positive.");
        if (StrideH <= 0 || StrideW <= 0) throw new ArgumentException($"{layer}: stride {StrideH}x{StrideW} must be positive.");
        if (PadH < 0 || PadW < 0) throw new ArgumentException($"{layer}: padding {PadH}x{PadW} must not be negative.");
        if (KernelH > height + 2 * PadH || KernelW > width + 2 * PadW)
            throw new ArgumentException($"{layer}: kernel {KernelH}x{KernelW} is larger than the padded input {height + 2 * PadH}x{width + 2 * PadW} ({height}x{width} with padding {PadH}x{PadW}).");
        return ((height + 2 * PadH - KernelH) / StrideH + 1, (width + 2 * PadW - KernelW) / StrideW + 1);
    }

    /// <summary>"kernel 3x3, stride 2x2, padding 1x1".</summary>
    public override string ToString() => $"kernel {KernelH}x{KernelW}, stride {StrideH}x{StrideW}, padding {PadH}x{PadW}";
}
