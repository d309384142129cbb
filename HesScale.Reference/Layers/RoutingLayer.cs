using MathNet.Numerics.LinearAlgebra;

namespace HesScale.Reference.Layers;

/// <summary>
/// A parameterless layer that is linear in its input at the current point, y = A(x) x with A piecewise constant
/// (pools, flatten): J_x = A(x), R{A} = 0 almost everywhere, no second derivatives.
/// </summary>
public abstract class RoutingLayer : ReferenceLayer
{
    /// <inheritdoc/>
    protected RoutingLayer(string kind, TensorShape input, TensorShape output) : base(kind, input, output) { }

    /// <summary>A(x) for one sample x (length in).</summary>
    internal abstract SparseMap MapAt(ReadOnlySpan<double> x);

    /// <inheritdoc/>
    public override double[] Forward(double[][] p, double[] x, int batch) => PerSample(x, x, batch, OutputShape.Size, (a, u, r) => a.Apply(u, r));

    /// <summary>g_in = A^T g.</summary>
    public override double[] BackwardInput(double[][] p, double[] x, double[] g, int batch) => PerSample(x, g, batch, InputShape.Size, (a, u, r) => a.ApplyTransposed(u, r));

    /// <summary>d_in = (A∘A)^T d.</summary>
    public override double[] BackwardDiagonal(double[][] p, double[] x, double[] g, double[] d, int batch, bool secondOrder) =>
        PerSample(x, d, batch, InputShape.Size, (a, u, r) => a.ApplySquaredTransposed(u, r));

    /// <summary>R{y} = A R{x}.</summary>
    public override double[] RForward(double[][] p, double[][] v, double[] x, double[] rx, int batch) => PerSample(x, rx, batch, OutputShape.Size, (a, u, r) => a.Apply(u, r));

    /// <summary>R{g_in} = A^T R{g}.</summary>
    public override double[] RBackwardInput(double[][] p, double[][] v, double[] x, double[] rx, double[] g, double[] rg, int batch) =>
        PerSample(x, rg, batch, InputShape.Size, (a, u, r) => a.ApplyTransposed(u, r));

    /// <summary>A(x).</summary>
    public override Matrix<double> InputJacobian(double[][] p, double[] x) => MapAt(x).ToMatrix();

    private delegate void Step(SparseMap a, ReadOnlySpan<double> u, Span<double> r);

    /// <summary>Row n of the result (width <paramref name="width"/>) from A(x_n) and row n of u.</summary>
    private double[] PerSample(double[] x, double[] u, int batch, int width, Step step)
    {
        int inSize = InputShape.Size, uWidth = u.Length / batch;
        var result = new double[batch * width];
        for (int n = 0; n < batch; n++)
            step(MapAt(x.AsSpan(n * inSize, inSize)), u.AsSpan(n * uWidth, uWidth), result.AsSpan(n * width, width));
        return result;
    }
}
