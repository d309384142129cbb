namespace HesScale.Gpu.Kernels;

/// <summary>
/// The shapes of one max or average 2-D pool (PyTorch: floor mode, dilation 1; max pools pad with -inf,
/// average pools count padded zeros). Per sample, NCHW row-major: x is (C, H, W), y is (C, OH, OW).
/// Plain int fields so that ILGPU can take the struct as a kernel argument.
/// </summary>
internal readonly struct Pool2dGeometry
{
    public readonly int Channels, Height, Width;
    public readonly int KernelH, KernelW, StrideH, StrideW, PadH, PadW;
    public readonly int OutH, OutW;
    /// <summary>1 for max_pool2d, 0 for avg_pool2d (an int, not the name, so the struct stays unmanaged).</summary>
    public readonly int IsMax;

    /// <summary>
    /// A max (<paramref name="max"/>) or average pool over a C x H x W input; throws an
    /// <see cref="ArgumentException"/> naming the numbers when the window does not fit or its padding is more
    /// than half the kernel (PyTorch refuses that too: a max window could then lie in the padding only).
    /// </summary>
    public Pool2dGeometry(bool max, (int Channels, int Height, int Width) input, Window2d window)
    {
        IsMax = max ? 1 : 0;
        string layer = Layer;
        if (input.Channels <= 0) throw new ArgumentException($"{layer}: channels {input.Channels} must be positive.");
        (OutH, OutW) = window.OutputSize(layer, input.Height, input.Width);
        if (2 * window.PadH > window.KernelH || 2 * window.PadW > window.KernelW)
            throw new ArgumentException($"{layer}: padding {window.PadH}x{window.PadW} is more than half the kernel {window.KernelH}x{window.KernelW}.");
        (Channels, Height, Width) = input;
        (KernelH, KernelW, StrideH, StrideW, PadH, PadW) = (window.KernelH, window.KernelW, window.StrideH, window.StrideW, window.PadH, window.PadW);
        if ((long)Channels * Height * Width > int.MaxValue / 2 || (long)KernelH * KernelW > int.MaxValue / 2)
            throw new ArgumentException($"{layer}: {this} is beyond int indexing.");
    }

    /// <summary>The layer's name for messages (not read by kernels).</summary>
    public string Layer => IsMax != 0 ? "max_pool2d" : "avg_pool2d";

    /// <summary>C*H*W, one input row.</summary>
    public int InSize => Channels * Height * Width;

    /// <summary>C*OH*OW, one output row.</summary>
    public int OutSize => Channels * OutH * OutW;

    /// <summary>kh*kw, the average pool's divisor (padded zeros count).</summary>
    public int WindowSize => KernelH * KernelW;

    /// <summary>The window as a value.</summary>
    public Window2d Window => new(KernelH, KernelW, StrideH, StrideW, PadH, PadW);

    /// <summary>Throws unless <paramref name="length"/> floats are <paramref name="n"/> >= 1 input rows of C*H*W.</summary>
    public void CheckInput(int n, long length, string what = "input") =>
        Conv2dGeometry.CheckRows(Layer, what, n, length, InSize, $"C*H*W = {Channels}*{Height}*{Width}");

    /// <summary>Throws unless <paramref name="length"/> floats are <paramref name="n"/> >= 1 output rows of C*OH*OW.</summary>
    public void CheckOutput(int n, long length, string what = "output") =>
        Conv2dGeometry.CheckRows(Layer, what, n, length, OutSize, $"C*OH*OW = {Channels}*{OutH}*{OutW}");

    /// <summary>"3x5x7 -> 3x2x3, kernel 3x3, stride 2x2, padding 1x1".</summary>
    public override string ToString() => $"{Channels}x{Height}x{Width} -> {Channels}x{OutH}x{OutW}, {Window}";
}
