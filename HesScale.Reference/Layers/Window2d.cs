namespace HesScale.Reference.Layers;

/// <summary>
/// The sliding-window geometry PyTorch's Conv2d and pools share (dilation 1, floor mode): output position (i, j)
/// and kernel offset (u, v) read input (i*sh + u - ph, j*sw + v - pw); out = floor((H + 2ph - kh) / sh) + 1.
/// </summary>
public readonly record struct Window2d(int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW)
{
    /// <summary>The output height and width for an input of <paramref name="height"/> x <paramref name="width"/>; throws naming <paramref name="layer"/> and the numbers when they do not fit.</summary>
    public (int Height, int Width) OutputSize(string layer, int height, int width)
    {
        if (KernelH <= 0 || KernelW <= 0) throw new ArgumentException($"{layer}: kernel {KernelH}x{KernelW} must be positive.");
        if (StrideH <= 0 || StrideW <= 0) throw new ArgumentException($"{layer}: stride {StrideH}x{StrideW} must be positive.");
        if (PadH < 0 || PadW < 0) throw new ArgumentException($"{layer}: padding {PadH}x{PadW} must not be negative.");
        if (KernelH > height + 2 * PadH || KernelW > width + 2 * PadW)
            throw new ArgumentException($"{layer}: kernel {KernelH}x{KernelW} is larger than the padded input {height + 2 * PadH}x{width + 2 * PadW} ({height}x{width} with padding {PadH}x{PadW}).");
        return ((height + 2 * PadH - KernelH) / StrideH + 1, (width + 2 * PadW - KernelW) / StrideW + 1);
    }

    /// <summary>Calls visit(outRow, outCol, u, v, inRow, inCol) for every window tap inside the (unpadded) input, in row-major order.</summary>
    public void ForEachTap(int height, int width, int outH, int outW, Action<int, int, int, int, int, int> visit)
    {
        for (int i = 0; i < outH; i++)
        {
            for (int j = 0; j < outW; j++)
            {
                for (int u = 0; u < KernelH; u++)
                {
                    int r = i * StrideH + u - PadH;
                    if (r < 0 || r >= height) continue;
                    for (int v = 0; v < KernelW; v++)
                    {
                        int c = j * StrideW + v - PadW;
                        if (c >= 0 && c < width) visit(i, j, u, v, r, c);
                    }
                }
            }
        }
    }

    /// <summary>"kernel 3x3, stride 2x2, padding 1x1".</summary>
    public override string ToString() => $"kernel {KernelH}x{KernelW}, stride {StrideH}x{StrideW}, padding {PadH}x{PadW}";
}
