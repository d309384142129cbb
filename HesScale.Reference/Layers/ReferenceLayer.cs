using MathNet.Numerics.LinearAlgebra;

namespace HesScale.Reference.Layers;

/// <summary>
/// One layer kind's calculus in double precision (BackPACK's "derivatives" apart from the quantity propagated):
/// its shapes, its parameter tensors and every operation a pass over the layers needs. Layers are stateless;
/// parameters p (and R-operator directions v) are passed in as this layer's tensors, in <see cref="Parameters"/> order.
/// Batches are row-major: x is N x InputShape.Size (the layer's input), g, d and rg are N x OutputShape.Size.
/// </summary>
public abstract class ReferenceLayer
{
    /// <param name="kind">The case-file name of the layer type (linear, conv2d, tanh, ...).</param>
    /// <param name="input">The input shape.</param>
    /// <param name="output">The output shape.</param>
    protected ReferenceLayer(string kind, TensorShape input, TensorShape output)
    {
        Kind = kind;
        InputShape = input;
        OutputShape = output;
    }

    /// <summary>The case-file name of the layer type.</summary>
    public string Kind { get; }

    /// <summary>The shape of one input sample.</summary>
    public TensorShape InputShape { get; }

    /// <summary>The shape of one output sample.</summary>
    public TensorShape OutputShape { get; }

    /// <summary>The parameter tensors, in order; empty for parameterless layers.</summary>
    public virtual IReadOnlyList<ParameterShape> Parameters => [];

    /// <summary>y = f(x; p), N x out.</summary>
    public abstract double[] Forward(double[][] p, double[] x, int batch);

    /// <summary>The gradient at the input, J_x^T g, N x in.</summary>
    public abstract double[] BackwardInput(double[][] p, double[] x, double[] g, int batch);

    /// <summary>The parameter gradients J_p^T g summed over the batch, one array per tensor.</summary>
    public virtual double[][] ParameterGradient(double[][] p, double[] x, double[] g, int batch) => [];

    /// <summary>
    /// The diagonal recursion's step to the input, N x in: for a layer linear in its input (Jacobian A)
    /// d_in = (A∘A)^T d; for an elementwise activation d_a = s'(a)^2 d + s''(a) g, the second term only when
    /// <paramref name="secondOrder"/> (HesScale, BL89; HesScaleGN drops it).
    /// </summary>
    public abstract double[] BackwardDiagonal(double[][] p, double[] x, double[] g, double[] d, int batch, bool secondOrder);

    /// <summary>The parameter diagonals a recursion's output diagonal d gives: (J_p∘J_p)^T d summed over the batch.</summary>
    public virtual double[][] ParameterDiagonal(double[][] p, double[] x, double[] d, int batch) => [];

    /// <summary>Pearlmutter's R{y} = J_x R{x} + J_p v, N x out.</summary>
    public abstract double[] RForward(double[][] p, double[][] v, double[] x, double[] rx, int batch);

    /// <summary>R{g_in} = J_x^T R{g} + R{J_x^T} g, N x in.</summary>
    public abstract double[] RBackwardInput(double[][] p, double[][] v, double[] x, double[] rx, double[] g, double[] rg, int batch);

    /// <summary>R{J_p^T g} = J_p^T R{g} + R{J_p^T} g, one array per tensor.</summary>
    public virtual double[][] RParameterGradient(double[][] p, double[][] v, double[] x, double[] rx, double[] g, double[] rg, int batch) => [];

    /// <summary>The explicit input Jacobian dy/dx of one sample x, out x in.</summary>
    public abstract Matrix<double> InputJacobian(double[][] p, double[] x);

    /// <summary>The explicit parameter Jacobian dy/dp of one sample x, out x (sum of tensor lengths), tensors concatenated.</summary>
    public virtual Matrix<double> ParameterJacobian(double[][] p, double[] x) => Matrix<double>.Build.Dense(OutputShape.Size, 0);

    /// <summary>
    /// sum_k g_k d^2 y_k / dx^2 for one sample, as its diagonal (length in), or null when zero. Every layer kind
    /// here is elementwise or linear in its input, so this matrix is diagonal.
    /// </summary>
    public virtual double[]? InputCurvature(double[][] p, double[] x, double[] g) => null;

    /// <summary>sum_k g_k d^2 y_k / (dx_i dp_j) for one sample, in x (parameter count), or null when zero.</summary>
    public virtual Matrix<double>? MixedCurvature(double[][] p, double[] x, double[] g) => null;

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {InputShape} -> {OutputShape}";
}
