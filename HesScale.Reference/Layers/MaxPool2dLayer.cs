namespace HesScale.Reference.Layers;

/// <summary>
/// PyTorch's MaxPool2d (padding counts as -inf, floor mode): each output is its window's maximum, so
/// A(x)[out, argmax] = 1 and gradient and HesScale diagonal alike route to the arg-max (the first one on ties).
/// </summary>
public sealed class MaxPool2dLayer : RoutingLayer
{
    private readonly int[][] _windows; // per output index: the input indices its window covers inside the image

    /// <param name="input">C x H x W.</param>
    /// <param name="window">Kernel, stride and padding; padding at most half the kernel, so no window is all padding.</param>
    public MaxPool2dLayer(TensorShape input, Window2d window) : base("max_pool2d", input, AvgPool2dLayer.PoolOutput("max_pool2d", input, window))
    {
        Window = window;
        var output = OutputShape;
        var windows = Enumerable.Range(0, output.Size).Select(_ => new List<int>()).ToArray();
        for (int c = 0; c < input.Channels; c++)
        {
            int inBase = c * input.Height * input.Width, outBase = c * output.Height * output.Width;
            window.ForEachTap(input.Height, input.Width, output.Height, output.Width, (i, j, u, v, r, col) =>
                windows[outBase + i * output.Width + j].Add(inBase + r * input.Width + col));
        }
        _windows = windows.Select(w => w.ToArray()).ToArray();
    }

    /// <summary>Kernel, stride, padding.</summary>
    public Window2d Window { get; }

    internal override SparseMap MapAt(ReadOnlySpan<double> x)
    {
        var entries = new (int, int, double)[_windows.Length];
        for (int o = 0; o < _windows.Length; o++)
        {
            int best = _windows[o][0];
            foreach (int i in _windows[o])
            {
                if (x[i] > x[best]) best = i;
            }
            entries[o] = (o, best, 1.0);
        }
        return new SparseMap(OutputShape.Size, InputShape.Size, entries);
    }
}
