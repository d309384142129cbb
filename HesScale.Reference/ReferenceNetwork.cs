using HesScale.Gpu;
using HesScale.Reference.Layers;
using MathNet.Numerics.LinearAlgebra;

namespace HesScale.Reference;

/// <summary>
/// A plain double-precision network (the slow, obvious reference): a list of <see cref="ReferenceLayer"/> objects
/// (Linear, activations, Conv2d, pools, flatten) and their parameters. Gives the loss, gradient, exact Hessian-vector
/// products, the full Hessian, exact Hessian and GGN diagonals (from explicit matrices), and the HesScale / HesScaleGN /
/// BL89 diagonal recursions of method.md. Batches are row-major: inputs N x in (each row NCHW), outputs N x K.
/// Every pass is one loop over the layers calling the layer objects.
/// </summary>
public sealed class ReferenceNetwork
{
    /// <summary>FullHessian, ExactDiagonal and GgnDiagonal refuse networks with more parameters than this.</summary>
    public const int MaxExactParameters = 5000;

    private readonly ReferenceLayer[] _layers;
    private readonly double[][] _parameters;
    private readonly int[] _firstTensor; // per layer: index of its first tensor in _parameters
    private readonly NetworkSpec? _spec;

    /// <param name="spec">An MLP.</param>
    /// <param name="parameters">One array per tensor in <see cref="NetworkSpec.Parameters"/> order (weights out x in row-major, biases out); copied.</param>
    public ReferenceNetwork(NetworkSpec spec, IReadOnlyList<double[]> parameters)
        : this(LayersOf(spec ?? throw new ArgumentNullException(nameof(spec))), parameters, spec)
    {
    }

    /// <param name="layers">The layers in order; each one's input shape must be the previous one's output shape.</param>
    /// <param name="parameters">One array per tensor, layer by layer in each layer's <see cref="ReferenceLayer.Parameters"/> order (row-major); copied.</param>
    public ReferenceNetwork(IReadOnlyList<ReferenceLayer> layers, IReadOnlyList<double[]> parameters)
        : this(CheckChain(layers), parameters, null)
    {
    }

    private ReferenceNetwork(ReferenceLayer[] layers, IReadOnlyList<double[]> parameters, NetworkSpec? spec)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _layers = layers;
        _spec = spec;
        _firstTensor = new int[layers.Length];
        var infos = new List<ReferenceParameter>();
        for (int l = 0; l < layers.Length; l++)
        {
            _firstTensor[l] = infos.Count;
            foreach (var shape in layers[l].Parameters) infos.Add(new ReferenceParameter(infos.Count, l, shape.Name, shape.Dimensions));
        }
        Parameters = infos;
        ParameterCount = infos.Sum(p => p.Length);
        _parameters = CheckParameterShapes(parameters, nameof(parameters));
    }

    /// <summary>The spec this network was built from; throws for a network built from layers (conv nets have no <see cref="NetworkSpec"/>).</summary>
    public NetworkSpec Spec => _spec ?? throw new InvalidOperationException("This reference network was built from layers, not from a NetworkSpec.");

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<ReferenceLayer> Layers => _layers;

    /// <summary>The parameter tensors in order (layer by layer).</summary>
    public IReadOnlyList<ReferenceParameter> Parameters { get; }

    /// <summary>P, the number of parameters.</summary>
    public int ParameterCount { get; }

    /// <summary>The length of one input row.</summary>
    public int InputSize => _layers[0].InputShape.Size;

    /// <summary>K, the length of one output row.</summary>
    public int OutputSize => _layers[^1].OutputShape.Size;

    /// <summary>The same layers with other parameters (same shapes).</summary>
    public ReferenceNetwork WithParameters(IReadOnlyList<double[]> parameters) => new(_layers, parameters, _spec);

    internal int LayerCount => _layers.Length;
    internal ReferenceLayer Layer(int l) => _layers[l];
    internal int Outputs => OutputSize;

    /// <summary>Layer l's parameter tensors (its slice of <paramref name="all"/>, which is shaped like the parameters).</summary>
    internal double[][] Of(double[][] all, int l) => all[_firstTensor[l]..(_firstTensor[l] + _layers[l].Parameters.Count)];

    /// <summary>Layer l's own parameters.</summary>
    internal double[][] ParametersOf(int l) => Of(_parameters, l);

    /// <summary>Stores a layer's per-tensor arrays into <paramref name="all"/> at its slice.</summary>
    internal void Store(double[][] all, int l, double[][] tensors)
    {
        for (int t = 0; t < tensors.Length; t++) all[_firstTensor[l] + t] = tensors[t];
    }

    /// <summary>The offset of layer l's first value in the flat length-P parameter vector.</summary>
    internal int FlatOffset(int l) => Parameters.Take(_firstTensor[l]).Sum(p => p.Length);

    /// <summary>y = f(x), N x K.</summary>
    public double[] Forward(double[] inputs, int batch)
    {
        CheckInputs(inputs, batch);
        var values = ForwardValues(inputs, batch);
        return values[^1];
    }

    /// <summary>The loss L (with its reduction).</summary>
    public double Loss(double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        CheckBatch(inputs, batch, targets, loss);
        return LossDerivatives.Value(ForwardValues(inputs, batch)[^1], batch, Outputs, targets, loss);
    }

    /// <summary>dL/dtheta, one array per parameter tensor.</summary>
    public double[][] Gradient(double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        CheckBatch(inputs, batch, targets, loss);
        var values = ForwardValues(inputs, batch);
        var g = LossDerivatives.Gradient(values[^1], batch, Outputs, targets, loss);
        return Backpropagation.Backward(this, values, g, batch);
    }

    /// <summary>Exact H v by Pearlmutter's R-operator (R-forward then R-backward); v shaped like the parameters.</summary>
    public double[][] HessianVectorProduct(double[] inputs, int batch, ReferenceTargets targets, LossSpec loss, IReadOnlyList<double[]> v)
    {
        CheckBatch(inputs, batch, targets, loss);
        ArgumentNullException.ThrowIfNull(v);
        var direction = CheckParameterShapes(v, nameof(v));
        return PearlmutterHvp.Product(this, inputs, batch, targets, loss, direction);
    }

    /// <summary>The P x P Hessian from explicit per-sample matrices (independent of the recursions and of the R-operator), parameters flattened in order.</summary>
    public Matrix<double> FullHessian(double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        CheckBatch(inputs, batch, targets, loss);
        CheckExactSize(nameof(FullHessian));
        return ExactHessian.Full(this, inputs, batch, targets, loss);
    }

    /// <summary>diag(H) from explicit per-sample matrices, one array per parameter tensor.</summary>
    public double[][] ExactDiagonal(double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        CheckBatch(inputs, batch, targets, loss);
        CheckExactSize(nameof(ExactDiagonal));
        return ExactHessian.Diagonal(this, inputs, batch, targets, loss);
    }

    /// <summary>diag(sum_n J_n^T H_out,n J_n), the exact generalised Gauss-Newton diagonal.</summary>
    public double[][] GgnDiagonal(double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        CheckBatch(inputs, batch, targets, loss);
        CheckExactSize(nameof(GgnDiagonal));
        return GaussNewtonDiagonal.Compute(this, inputs, batch, targets, loss);
    }

    /// <summary>The HesScale, HesScaleGN or BL89 diagonal (exactly one method), one array per parameter tensor.</summary>
    public double[][] Curvature(double[] inputs, int batch, ReferenceTargets targets, LossSpec loss, CurvatureMethod single)
    {
        ArgumentNullException.ThrowIfNull(single);
        if (!single.IsFused)
            throw new ArgumentException($"'{single}' is not a fused curvature method (HesScale, HesScaleGN or BL89).", nameof(single));
        CheckBatch(inputs, batch, targets, loss);
        return DiagonalRecursions.Compute(this, inputs, batch, targets, loss, single);
    }

    /// <summary>values[0] = inputs (N x in); values[l + 1] = output of layer l (each layer's input is values[l]).</summary>
    internal double[][] ForwardValues(double[] inputs, int batch)
    {
        var values = new double[LayerCount + 1][];
        values[0] = inputs;
        for (int l = 0; l < LayerCount; l++) values[l + 1] = _layers[l].Forward(ParametersOf(l), values[l], batch);
        return values;
    }

    /// <summary>An array of zeros per parameter tensor.</summary>
    internal double[][] ZeroParameters() => Parameters.Select(p => new double[p.Length]).ToArray();

    private void CheckExactSize(string method)
    {
        if (ParameterCount > MaxExactParameters)
            throw new ArgumentException($"{method} needs P x P work: the network has {ParameterCount} parameters, more than MaxExactParameters = {MaxExactParameters}.");
    }

    private void CheckInputs(double[] inputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch size must be positive.");
        if (inputs.Length != batch * InputSize)
            throw new ArgumentException($"Expected {batch} x {InputSize} = {batch * InputSize} inputs (rows of {_layers[0].InputShape}), got {inputs.Length}.", nameof(inputs));
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!double.IsFinite(inputs[i]))
                throw new ArgumentException($"Input of sample {i / InputSize}, feature {i % InputSize} is {inputs[i]} (not finite).", nameof(inputs));
        }
    }

    private void CheckBatch(double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        CheckInputs(inputs, batch);
        ArgumentNullException.ThrowIfNull(targets);
        targets.Validate(loss, batch, Outputs);
    }

    private double[][] CheckParameterShapes(IReadOnlyList<double[]> arrays, string name)
    {
        if (arrays.Count != Parameters.Count)
            throw new ArgumentException($"Expected {Parameters.Count} parameter tensors for {Describe()}, got {arrays.Count}.", name);
        var copy = new double[arrays.Count][];
        foreach (var p in Parameters)
        {
            var a = arrays[p.Index] ?? throw new ArgumentException($"Tensor {p.Index} (layer {p.LayerIndex} {p.Name}) is null.", name);
            if (a.Length != p.Length)
                throw new ArgumentException($"Tensor {p.Index} (layer {p.LayerIndex} {p.Name}) must have {p.ShapeText} = {p.Length} values, got {a.Length}.", name);
            for (int i = 0; i < a.Length; i++)
            {
                if (!double.IsFinite(a[i]))
                    throw new ArgumentException($"Tensor {p.Index} (layer {p.LayerIndex} {p.Name}) element {i} is {a[i]} (not finite).", name);
            }
            copy[p.Index] = (double[])a.Clone();
        }
        return copy;
    }

    private string Describe() => _spec?.ToString() ?? string.Join(", ", _layers.Select(l => l.Kind));

    /// <summary>The layer objects of a spec: Linear, conv2d, pools, flatten and activations, from its input shape.</summary>
    private static ReferenceLayer[] LayersOf(NetworkSpec spec)
    {
        var layers = new ReferenceLayer[spec.Layers.Count];
        var shape = spec.InputShape;
        for (int l = 0; l < layers.Length; l++)
        {
            var s = spec.Layers[l];
            var window = new Window2d(s.KernelH, s.KernelW, s.StrideH, s.StrideW, s.PadH, s.PadW);
            layers[l] = s.Kind switch
            {
                LayerKind.Linear => new LinearLayer(shape, s.In, s.Out, s.Bias),
                LayerKind.Conv2d => new Conv2dLayer(shape, s.In, s.Out, window, s.Bias),
                LayerKind.MaxPool2d => new MaxPool2dLayer(shape, window),
                LayerKind.AvgPool2d => new AvgPool2dLayer(shape, window),
                LayerKind.Flatten => new FlattenLayer(shape),
                _ => ActivationLayer.Create(shape, s.Kind, ActivationDerivatives.Slope(s)),
            };
            shape = layers[l].OutputShape;
        }
        return layers;
    }

    /// <summary>Throws naming the layer when one's input shape is not the previous one's output shape.</summary>
    private static ReferenceLayer[] CheckChain(IReadOnlyList<ReferenceLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        for (int l = 0; l < layers.Count; l++)
        {
            if (layers[l] is null) throw new ArgumentException($"Layer {l} is null.", nameof(layers));
            if (l > 0 && layers[l].InputShape != layers[l - 1].OutputShape)
                throw new ArgumentException($"Layer {l} {layers[l].Kind} takes {layers[l].InputShape} but layer {l - 1} {layers[l - 1].Kind} gives {layers[l - 1].OutputShape}.", nameof(layers));
        }
        return layers.ToArray();
    }
}
