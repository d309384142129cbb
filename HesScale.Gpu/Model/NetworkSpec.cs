using HesScale.Gpu.Layers;

namespace HesScale.Gpu.Model;

/// <summary>One weight or bias tensor of a network, in layer order.</summary>
/// <param name="Index">Position in <see cref="NetworkSpec.Parameters"/>.</param>
/// <param name="LayerIndex">Index of the owning layer in <see cref="NetworkSpec.Layers"/>.</param>
/// <param name="Name">"weight" (Rows = out, Cols = in, row-major) or "bias" (Rows = out, Cols = 1).</param>
/// <param name="Rows">Output width of the layer (conv2d: out channels).</param>
/// <param name="Cols">Input width for a weight (conv2d: in channels x kh x kw, PyTorch's O x C x kh x kw flattened), 1 for a bias.</param>
public sealed record ParameterInfo(int Index, int LayerIndex, string Name, int Rows, int Cols)
{
    /// <summary>Number of values, Rows x Cols.</summary>
    public int Length => checked(Rows * Cols);
    /// <summary>Whether this is a weight tensor (else a bias).</summary>
    public bool IsWeight => Name == "weight";
}

/// <summary>
/// A validated sequence of layers: Linear widths chain, activations take the width before them.
/// </summary>
public sealed class NetworkSpec
{
    /// <summary>The layers, in order.</summary>
    public IReadOnlyList<LayerSpec> Layers { get; }
    /// <summary>Input values per sample.</summary>
    public int InputSize { get; }
    /// <summary>Output values per sample (K).</summary>
    public int OutputSize { get; }
    /// <summary>Width of the values after each layer (index l: output of layer l); <c>Widths[-1]</c> is the input.</summary>
    public IReadOnlyList<int> Widths { get; }
    /// <summary>Every parameter tensor, layer by layer (weight then bias).</summary>
    public IReadOnlyList<ParameterInfo> Parameters { get; }
    /// <summary>Total number of parameter values.</summary>
    public int ParameterCount { get; }

    /// <summary>
    /// Validates <paramref name="layers"/> of an MLP (the first is Linear and fixes the input width; each layer's
    /// input shape must be what the previous one gives) and builds their layer objects; <see cref="ArgumentException"/> names the layer otherwise.
    /// </summary>
    public NetworkSpec(IEnumerable<LayerSpec> layers) : this(null, layers) { }

    /// <summary>
    /// Validates <paramref name="layers"/> fed samples of shape <paramref name="input"/> (C x H x W, NCHW rows of C*H*W)
    /// and builds their layer objects; shapes flow layer to layer (conv2d, pools, flatten change them) and a layer
    /// that does not fit is an <see cref="ArgumentException"/> naming the layer and the numbers.
    /// </summary>
    public NetworkSpec(TensorShape input, IEnumerable<LayerSpec> layers) : this((TensorShape?)input, layers) { }

    private NetworkSpec(TensorShape? input, IEnumerable<LayerSpec> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var list = layers.ToList();
        if (list.Count == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        if (list[0] is null) throw new ArgumentException("Layer 0 is null.", nameof(layers));
        if (input is null && !list[0].IsLinear) throw new ArgumentException($"The first layer must be Linear (it fixes the input width), got {list[0]}; give an input shape for other first layers.", nameof(layers));
        if (list[0].Kind is not (LayerKind.Linear or LayerKind.Conv2d))
            throw new ArgumentException($"The first layer must be Linear or Conv2d (a layer with parameters), got {list[0]}.", nameof(layers));
        var shape = input ?? TensorShape.Vector(list[0].In);
        if (shape.Channels <= 0 || shape.Height <= 0 || shape.Width <= 0)
            throw new ArgumentException($"The input shape {shape} must be positive in every dimension.", nameof(input));
        var objects = new Layer[list.Count];
        var parameters = new List<ParameterInfo>();
        InputShape = shape;
        for (int l = 0; l < list.Count; l++)
        {
            var spec = list[l] ?? throw new ArgumentException($"Layer {l} is null.", nameof(layers));
            Layer layer;
            try
            {
                layer = LayerTable.Create(spec, l, parameters.Count, shape);
            }
            catch (ArgumentException e) when (e.ParamName is null)
            {
                throw new ArgumentException(e.Message, nameof(layers));
            }
            foreach (var (name, rows, cols) in layer.Parameters) parameters.Add(new ParameterInfo(parameters.Count, l, name, rows, cols));
            objects[l] = layer;
            shape = layer.OutputShape;
        }
        Layers = list;
        LayerObjects = objects;
        InputSize = objects[0].In;
        OutputSize = shape.Size;
        Widths = objects.Select(o => o.Out).ToArray();
        Parameters = parameters;
        ParameterCount = parameters.Sum(p => p.Length);
    }

    /// <summary>The shape of one input sample (an MLP's is its input width x 1 x 1).</summary>
    public TensorShape InputShape { get; }

    /// <summary>The shape of layer <paramref name="layer"/>'s output.</summary>
    public TensorShape OutputShapeOf(int layer) => LayerObjects[layer].OutputShape;

    /// <summary>The layer objects the passes walk (one per entry of <see cref="Layers"/>).</summary>
    internal IReadOnlyList<Layer> LayerObjects { get; }

    /// <inheritdoc cref="NetworkSpec(IEnumerable{LayerSpec})"/>
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
            float bound = LayerObjects[p.LayerIndex].InitBound;
            var values = new float[p.Length];
            for (int i = 0; i < values.Length; i++) values[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
            result[p.Index] = values;
        }
        return result;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(" -> ", Layers);
}
