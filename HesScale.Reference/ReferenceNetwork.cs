using HesScale.Gpu;
using MathNet.Numerics.LinearAlgebra;

namespace HesScale.Reference;

/// <summary>
/// A plain double-precision MLP (the slow, obvious reference): loss, gradient, exact Hessian-vector
/// products, the full Hessian, exact Hessian and GGN diagonals, and the HesScale / HesScaleGN / BL89
/// diagonal recursions of method.md. Batches are row-major: inputs N x in, outputs N x K.
/// </summary>
public sealed class ReferenceNetwork
{
    /// <summary>FullHessian, ExactDiagonal and GgnDiagonal refuse networks with more parameters than this.</summary>
    public const int MaxExactParameters = 5000;

    private readonly double[][] _parameters;
    private readonly int[] _weightIndex; // per layer: index into _parameters of its weight, -1 for activations
    private readonly int[] _biasIndex;   // per layer: index of its bias, -1 if none
    private readonly double[] _slopes;   // per layer: LeakyReLU slope in double

    /// <param name="spec">The network.</param>
    /// <param name="parameters">One array per tensor in <see cref="NetworkSpec.Parameters"/> order (weights out x in row-major, biases out); copied.</param>
    public ReferenceNetwork(NetworkSpec spec, IReadOnlyList<double[]> parameters)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(parameters);
        Spec = spec;
        _parameters = CheckParameterShapes(spec, parameters, nameof(parameters));
        _weightIndex = new int[spec.Layers.Count];
        _biasIndex = new int[spec.Layers.Count];
        _slopes = new double[spec.Layers.Count];
        Array.Fill(_weightIndex, -1);
        Array.Fill(_biasIndex, -1);
        foreach (var p in spec.Parameters)
        {
            if (p.IsWeight) _weightIndex[p.LayerIndex] = p.Index;
            else _biasIndex[p.LayerIndex] = p.Index;
        }
        for (int l = 0; l < spec.Layers.Count; l++) _slopes[l] = ActivationDerivatives.Slope(spec.Layers[l]);
    }

    public NetworkSpec Spec { get; }

    internal int LayerCount => Spec.Layers.Count;
    internal LayerSpec Layer(int l) => Spec.Layers[l];
    internal double Slope(int l) => _slopes[l];
    internal double[] Weight(int l) => _parameters[_weightIndex[l]];
    internal double[]? Bias(int l) => _biasIndex[l] < 0 ? null : _parameters[_biasIndex[l]];
    internal int WeightIndex(int l) => _weightIndex[l];
    internal int BiasIndex(int l) => _biasIndex[l];
    internal int Outputs => Spec.OutputSize;

    /// <summary>y = f(x), N x K.</summary>
    public double[] Forward(double[] inputs, int batch)
    {
        CheckInputs(inputs, batch);
        var values = ForwardValues(inputs, batch);
        return values[^1];
    }

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
        var direction = CheckParameterShapes(Spec, v, nameof(v));
        return PearlmutterHvp.Product(this, inputs, batch, targets, loss, direction);
    }

    /// <summary>The P x P Hessian, parameters flattened in spec order; column j is H e_j.</summary>
    public Matrix<double> FullHessian(double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        CheckBatch(inputs, batch, targets, loss);
        CheckExactSize(nameof(FullHessian));
        return ExactHessian.Full(this, inputs, batch, targets, loss);
    }

    /// <summary>diag(H), one array per parameter tensor.</summary>
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
    public double[][] Curvature(double[] inputs, int batch, ReferenceTargets targets, LossSpec loss, CurvatureMethods single)
    {
        if (single is not (CurvatureMethods.HesScale or CurvatureMethods.HesScaleGN or CurvatureMethods.BL89))
            throw new ArgumentException($"'{single}' is not a single curvature method (HesScale, HesScaleGN or BL89).", nameof(single));
        CheckBatch(inputs, batch, targets, loss);
        return DiagonalRecursions.Compute(this, inputs, batch, targets, loss, single);
    }

    /// <summary>values[0] = inputs (N x in); values[l + 1] = output of layer l. Pre-activations are the inputs of activation layers.</summary>
    internal double[][] ForwardValues(double[] inputs, int batch)
    {
        var values = new double[LayerCount + 1][];
        values[0] = inputs;
        for (int l = 0; l < LayerCount; l++)
        {
            var layer = Layer(l);
            var h = values[l];
            if (layer.IsLinear)
            {
                values[l + 1] = LinearMaps.Forward(h, Weight(l), Bias(l), batch, layer.In, layer.Out);
            }
            else
            {
                var z = new double[h.Length];
                for (int i = 0; i < h.Length; i++) z[i] = ActivationDerivatives.Value(layer.Kind, _slopes[l], h[i]);
                values[l + 1] = z;
            }
        }
        return values;
    }

    /// <summary>An array of zeros per parameter tensor.</summary>
    internal double[][] ZeroParameters() => Spec.Parameters.Select(p => new double[p.Length]).ToArray();

    private void CheckExactSize(string method)
    {
        if (Spec.ParameterCount > MaxExactParameters)
            throw new ArgumentException($"{method} needs P x P work: the network has {Spec.ParameterCount} parameters, more than MaxExactParameters = {MaxExactParameters}.");
    }

    private void CheckInputs(double[] inputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch size must be positive.");
        if (inputs.Length != batch * Spec.InputSize)
            throw new ArgumentException($"Expected {batch} x {Spec.InputSize} = {batch * Spec.InputSize} inputs, got {inputs.Length}.", nameof(inputs));
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!double.IsFinite(inputs[i]))
                throw new ArgumentException($"Input of sample {i / Spec.InputSize}, feature {i % Spec.InputSize} is {inputs[i]} (not finite).", nameof(inputs));
        }
    }

    private void CheckBatch(double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        CheckInputs(inputs, batch);
        ArgumentNullException.ThrowIfNull(targets);
        targets.Validate(loss, batch, Outputs);
    }

    private static double[][] CheckParameterShapes(NetworkSpec spec, IReadOnlyList<double[]> arrays, string name)
    {
        if (arrays.Count != spec.Parameters.Count)
            throw new ArgumentException($"Expected {spec.Parameters.Count} parameter tensors for {spec}, got {arrays.Count}.", name);
        var copy = new double[arrays.Count][];
        foreach (var p in spec.Parameters)
        {
            var a = arrays[p.Index] ?? throw new ArgumentException($"Tensor {p.Index} (layer {p.LayerIndex} {p.Name}) is null.", name);
            if (a.Length != p.Length)
                throw new ArgumentException($"Tensor {p.Index} (layer {p.LayerIndex} {p.Name}) must have {p.Rows} x {p.Cols} = {p.Length} values, got {a.Length}.", name);
            for (int i = 0; i < a.Length; i++)
            {
                if (!double.IsFinite(a[i]))
                    throw new ArgumentException($"Tensor {p.Index} (layer {p.LayerIndex} {p.Name}) element {i} is {a[i]} (not finite).", name);
            }
            copy[p.Index] = (double[])a.Clone();
        }
        return copy;
    }
}
