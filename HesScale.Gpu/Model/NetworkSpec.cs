namespace HesScale.Gpu;

/// <summary>One weight or bias tensor of a network, in layer order.</summary>
/// <param name="Index">Position in <see cref="NetworkSpec.Parameters"/>.</param>
/// <param name="LayerIndex">Index of the Linear layer in <see cref="NetworkSpec.Layers"/>.</param>
/// <param name="Name">"weight" (Rows = out, Cols = in, row-major) or "bias" (Rows = out, Cols = 1).</param>
/// <param name="Rows">Output width of the layer.</param>
/// <param name="Cols">Input width for a weight, 1 for a bias.</param>
public sealed record ParameterInfo(int Index, int LayerIndex, string Name, int Rows, int Cols)
{
    /// <summary>Number of values, Rows x Cols.</summary>
    public int Length => checked(Rows * Cols);
    /// <summary>Whether this is a weight matrix (otherwise a bias vector).</summary>
    public bool IsWeight => Name == "weight";
}

/// <summary>
/// A validated sequence of layers: Linear widths chain, activations take the width before them.
/// </summary>
public sealed class NetworkSpec
{
    /// <summary>The layers in order.</summary>
    public IReadOnlyList<LayerSpec> Layers { get; }
    /// <summary>Input width of the first Linear layer.</summary>
    public int InputSize { get; }
    /// <summary>Width of the network output.</summary>
    public int OutputSize { get; }
    /// <summary>Width of the values after each layer (index l: output of layer l); <c>Widths[-1]</c> is the input.</summary>
    public IReadOnlyList<int> Widths { get; }
    /// <summary>The weight and bias tensors, layer by layer (weight before bias).</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }
    /// <summary>Total number of parameter values.</summary>
    public int ParameterCount { get; }

    /// <summary>Validates <paramref name="layers"/> (first layer Linear, Linear widths that chain); throws <see cref="ArgumentException"/> naming the layer that does not fit.</summary>
    public NetworkSpec(IEnumerable<LayerSpec> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var list = layers.ToList();
        if (list.Count == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        if (!list[0].IsLinear) throw new ArgumentException($"The first layer must be Linear (it fixes the input width), got {list[0]}.", nameof(layers));
        var widths = new int[list.Count];
        var parameters = new List<ParameterInfo>();
        int width = list[0].In;
        for (int l = 0; l < list.Count; l++)
        {
            var layer = list[l] ?? throw new ArgumentException($"Layer {l} is null.", nameof(layers));
            if (layer.IsLinear)
            {
                if (layer.In != width)
                    throw new ArgumentException($"Layer {l} {layer} expects {layer.In} inputs but the previous layer gives {width}.", nameof(layers));
                parameters.Add(new ParameterInfo(parameters.Count, l, "weight", layer.Out, layer.In));
                if (layer.Bias) parameters.Add(new ParameterInfo(parameters.Count, l, "bias", layer.Out, 1));
                width = layer.Out;
            }
            widths[l] = width;
        }
        Layers = list;
        InputSize = list[0].In;
        OutputSize = width;
        Widths = widths;
        Parameters = parameters;
        ParameterCount = parameters.Sum(p => p.Length);
    }

    /// <summary>As the <see cref="IEnumerable{T}"/> constructor.</summary>
    public NetworkSpec(params LayerSpec[] layers) : this((IEnumerable<LayerSpec>)layers) { }

    /// <summary>Width of the input to layer <paramref name="layer"/>.</summary>
    public int InputWidth(int layer) => layer == 0 ? InputSize : Widths[layer - 1];

    /// <summary>
    /// PyTorch's default initialisation (uniform in +-1/sqrt(in) for weights and biases), seeded.
    /// </summary>
    public float[][] InitialParameters(int seed)
    {
        var rng = new Random(seed);
        var result = new float[Parameters.Count][];
        foreach (var p in Parameters)
        {
            int fanIn = Layers[p.LayerIndex].In;
            float bound = 1f / MathF.Sqrt(fanIn);
            var values = new float[p.Length];
            for (int i = 0; i < values.Length; i++) values[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
            result[p.Index] = values;
        }
        return result;
    }

    /// <summary>The layers as text joined by " -> ".</summary>
    public override string ToString() => string.Join(" -> ", Layers);
}
