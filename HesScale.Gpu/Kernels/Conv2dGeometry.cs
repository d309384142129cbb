namespace HesScale.Gpu.Kernels;

/// <summary>
/// The shapes of one Conv2d (PyTorch: cross-correlation, zero padding, dilation 1, groups 1), checked once at
/// construction and passed to the kernels as one value. Per sample, NCHW row-major:
/// x is (Cin, H, W), y is (Cout, OH, OW), W is (Cout, Cin, kh, kw), b is (Cout).
/// Plain int fields so that ILGPU can take the struct as a kernel argument.
/// </summary>
internal readonly struct Conv2dGeometry
{
    public readonly int InChannels, Height, Width, OutChannels;
    public readonly int KernelH, KernelW, StrideH, StrideW, PadH, PadW;
    public readonly int OutH, OutW;

    /// <summary>
    /// A conv2d with <paramref name="inChannels"/> -> <paramref name="outChannels"/> over an input of shape
    /// <paramref name="input"/>; throws an <see cref="ArgumentException"/> (one line, naming the numbers) when
    /// the input's channels differ from <paramref name="inChannels"/> or the window does not fit.
    /// </summary>
    public Conv2dGeometry((int Channels, int Height, int Width) input, int inChannels, int outChannels, Window2d window)
    {
        if (inChannels <= 0 || outChannels <= 0)
            throw new ArgumentException($"conv2d: in_channels {inChannels} and out_channels {outChannels} must be positive.");
        if (input.Channels != inChannels)
            throw new ArgumentException($"conv2d: in_channels is {inChannels} but its input {input.Channels}x{input.Height}x{input.Width} has {input.Channels} channels.");
        (OutH, OutW) = window.OutputSize("conv2d", input.Height, input.Width);
        (InChannels, Height, Width, OutChannels) = (inChannels, input.Height, input.Width, outChannels);
        (KernelH, KernelW, StrideH, StrideW, PadH, PadW) = (window.KernelH, window.KernelW, window.StrideH, window.StrideW, window.PadH, window.PadW);
        if ((long)outChannels * OutH * OutW > int.MaxValue / 2 || (long)inChannels * Height * Width > int.MaxValue / 2)
            throw new ArgumentException($"conv2d: {this} is beyond int indexing.");
        if ((long)outChannels * inChannels * KernelH * KernelW > int.MaxValue / 2)
            throw new ArgumentException($"conv2d: the weight of {this} ({outChannels} x {inChannels} x {KernelH} x {KernelW}) is beyond int indexing.");
    }

    /// <summary>Cin*H*W, one input row.</summary>
    public int InSize => InChannels * Height * Width;

    /// <summary>Cout*OH*OW, one output row.</summary>
    public int OutSize => OutChannels * OutH * OutW;

    /// <summary>OH*OW, the positions that share one weight.</summary>
    public int Positions => OutH * OutW;

    /// <summary>Cin*kh*kw, one output channel's weights (the patch length, K of the im2col product).</summary>
    public int PatchLength => InChannels * KernelH * KernelW;

    /// <summary>Cout*Cin*kh*kw.</summary>
    public int WeightLength => OutChannels * PatchLength;

    /// <summary>The window as a value.</summary>
    public Window2d Window => new(KernelH, KernelW, StrideH, StrideW, PadH, PadW);

    /// <summary>Throws unless <paramref name="length"/> floats are <paramref name="n"/> >= 1 input rows of Cin*H*W.</summary>
    public void CheckInput(int n, long length, string what = "input") => CheckRows("conv2d", what, n, length, InSize, $"Cin*H*W = {InChannels}*{Height}*{Width}");

    /// <summary>Throws unless <paramref name="length"/> floats are <paramref name="n"/> >= 1 output rows of Cout*OH*OW.</summary>
    public void CheckOutput(int n, long length, string what = "output") => CheckRows("conv2d", what, n, length, OutSize, $"Cout*OH*OW = {OutChannels}*{OutH}*{OutW}");

    /// <summary>Throws unless <paramref name="length"/> is <paramref name="copies"/> x Cout*Cin*kh*kw.</summary>
    public void CheckWeight(long length, int copies = 1, string what = "weight")
    {
        if (length != (long)copies * WeightLength)
            throw new ArgumentException($"conv2d: {what} has {length} values, not {copies} x Cout*Cin*kh*kw = {copies} x {OutChannels}*{InChannels}*{KernelH}*{KernelW}.");
    }

    /// <summary>Throws unless <paramref name="length"/> is <paramref name="copies"/> x Cout.</summary>
    public void CheckBias(long length, int copies = 1, string what = "bias")
    {
        if (length != (long)copies * OutChannels)
            throw new ArgumentException($"conv2d: {what} has {length} values, not {copies} x Cout = {copies} x {OutChannels}.");
    }

    /// <summary>The one-line check behind <see cref="CheckInput"/>: n rows of <paramref name="row"/> floats.</summary>
    internal static void CheckRows(string layer, string what, int n, long length, int row, string rowText)
    {
        if (n <= 0) throw new ArgumentException($"{layer}: batch {n} must be positive.");
        if (length != (long)n * row)
            throw new ArgumentException($"{layer}: {what} has {length} values, not {n} rows of {rowText} = {row}" +
                (length % row == 0 ? $" ({length / row} rows)." : $" (a row of {(double)length / n:0.##} values)."));
    }

    /// <summary>"3x5x7 -> 4x3x4, kernel 3x3, stride 2x2, padding 1x1".</summary>
    public override string ToString() => $"{InChannels}x{Height}x{Width} -> {OutChannels}x{OutH}x{OutW}, {Window}";
}
