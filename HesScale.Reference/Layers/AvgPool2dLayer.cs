namespace HesScale.Reference.Layers;

/// <summary>
/// PyTorch's AvgPool2d with count_include_pad: every window is divided by kh*kw, padded zeros included (floor mode).
/// A[out, in] = 1/(kh*kw) for each in-image tap, so HesScale passes d/(kh*kw)^2 to each tap (the official code passes d/(kh*kw): golden/README.md).
/// </summary>
public sealed class AvgPool2dLayer : RoutingLayer
{
    private readonly SparseMap _map;

    /// <param name="input">C x H x W.</param>
    /// <param name="window">Kernel, stride and padding; padding at most half the kernel, as PyTorch requires.</param>
    public AvgPool2dLayer(TensorShape input, Window2d window) : base("avg_pool2d", input, PoolOutput("avg_pool2d", input, window))
    {
        Window = window;
        double k = 1.0 / (window.KernelH * window.KernelW);
        var entries = new List<(int, int, double)>();
        var output = OutputShape;
        for (int c = 0; c < input.Channels; c++)
        {
            int inBase = c * input.Height * input.Width, outBase = c * output.Height * output.Width;
            window.ForEachTap(input.Height, input.Width, output.Height, output.Width, (i, j, u, v, r, col) =>
                entries.Add((outBase + i * output.Width + j, inBase + r * input.Width + col, k)));
        }
        _map = new SparseMap(output.Size, input.Size, entries.ToArray());
    }

    /// <summary>Kernel, stride, padding.</summary>
    public Window2d Window { get; }

    internal override SparseMap MapAt(ReadOnlySpan<double> x) => _map;

    /// <summary>C x out(H) x out(W); also refuses padding above half the kernel (PyTorch does).</summary>
    internal static TensorShape PoolOutput(string layer, TensorShape input, Window2d window)
    {
        var (h, w) = window.OutputSize(layer, input.Height, input.Width);
        if (2 * window.PadH > window.KernelH || 2 * window.PadW > window.KernelW)
            throw new ArgumentException($"{layer}: padding {window.PadH}x{window.PadW} is more than half the kernel {window.KernelH}x{window.KernelW}.");
        return new TensorShape(input.Channels, h, w);
    }
}
