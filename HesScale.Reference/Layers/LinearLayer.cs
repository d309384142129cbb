using MathNet.Numerics.LinearAlgebra;

namespace HesScale.Reference.Layers;

/// <summary>a = x W^T + b (x: N x I, W: O x I row-major, b: O, optional). Linear in x and in (W, b).</summary>
public sealed class LinearLayer : ReferenceLayer
{
    /// <param name="input">Must be a vector of <paramref name="inSize"/> features (flatten an image first).</param>
    /// <param name="inSize">I.</param>
    /// <param name="outSize">O.</param>
    /// <param name="bias">Whether b exists.</param>
    public LinearLayer(TensorShape input, int inSize, int outSize, bool bias = true)
        : base("linear", input, TensorShape.Vector(outSize))
    {
        if (inSize <= 0 || outSize <= 0) throw new ArgumentException($"linear: in {inSize} and out {outSize} must be positive.");
        if (!input.IsVector || input.Size != inSize)
            throw new ArgumentException($"linear: expects a vector of {inSize} inputs, the previous layer gives {input}" + (input.IsVector ? "." : " (add a flatten)."));
        In = inSize;
        Out = outSize;
        HasBias = bias;
        Parameters = bias ? [new("weight", outSize, inSize), new("bias", outSize)] : [new("weight", outSize, inSize)];
    }

    /// <summary>I.</summary>
    public int In { get; }

    /// <summary>O.</summary>
    public int Out { get; }

    /// <summary>Whether b exists.</summary>
    public bool HasBias { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterShape> Parameters { get; }

    /// <inheritdoc/>
    public override double[] Forward(double[][] p, double[] x, int batch) => LinearMaps.Forward(x, p[0], HasBias ? p[1] : null, batch, In, Out);

    /// <inheritdoc/>
    public override double[] BackwardInput(double[][] p, double[] x, double[] g, int batch) => LinearMaps.BackwardInput(g, p[0], batch, In, Out);

    /// <inheritdoc/>
    public override double[][] ParameterGradient(double[][] p, double[] x, double[] g, int batch) => WeightAndBias(g, x, batch);

    /// <summary>d_in[n,i] = sum_o W[o,i]^2 d[n,o].</summary>
    public override double[] BackwardDiagonal(double[][] p, double[] x, double[] g, double[] d, int batch, bool secondOrder) =>
        LinearMaps.BackwardInput(d, LinearMaps.Square(p[0]), batch, In, Out);

    /// <summary>dW[o,i] = sum_n d[n,o] x[n,i]^2, db[o] = sum_n d[n,o].</summary>
    public override double[][] ParameterDiagonal(double[][] p, double[] x, double[] d, int batch) => WeightAndBias(d, LinearMaps.Square(x), batch);

    /// <summary>R{a} = R{x} W^T + x V_W^T + V_b.</summary>
    public override double[] RForward(double[][] p, double[][] v, double[] x, double[] rx, int batch) => LinearMaps.Add(
        LinearMaps.Forward(rx, p[0], null, batch, In, Out),
        LinearMaps.Forward(x, v[0], HasBias ? v[1] : null, batch, In, Out));

    /// <summary>R{g_in} = R{g} W + g V_W.</summary>
    public override double[] RBackwardInput(double[][] p, double[][] v, double[] x, double[] rx, double[] g, double[] rg, int batch) => LinearMaps.Add(
        LinearMaps.BackwardInput(rg, p[0], batch, In, Out),
        LinearMaps.BackwardInput(g, v[0], batch, In, Out));

    /// <summary>R{dW} = R{g}^T x + g^T R{x}, R{db} = sum_n R{g}.</summary>
    public override double[][] RParameterGradient(double[][] p, double[][] v, double[] x, double[] rx, double[] g, double[] rg, int batch)
    {
        var dw = LinearMaps.Add(LinearMaps.WeightGradient(rg, x, batch, In, Out), LinearMaps.WeightGradient(g, rx, batch, In, Out));
        return HasBias ? [dw, LinearMaps.BiasGradient(rg, batch, Out)] : [dw];
    }

    /// <summary>A = W.</summary>
    public override Matrix<double> InputJacobian(double[][] p, double[] x) => Matrix<double>.Build.Dense(In, Out, p[0]).Transpose();

    /// <summary>da_o / dW[o,i] = x_i (column o*I + i), da_o / db_o = 1.</summary>
    public override Matrix<double> ParameterJacobian(double[][] p, double[] x)
    {
        var b = Matrix<double>.Build.Dense(Out, Out * In + (HasBias ? Out : 0));
        for (int o = 0; o < Out; o++)
        {
            for (int i = 0; i < In; i++) b[o, o * In + i] = x[i];
            if (HasBias) b[o, Out * In + o] = 1.0;
        }
        return b;
    }

    /// <summary>d^2 (g . a) / (dx_i dW[o,i]) = g_o.</summary>
    public override Matrix<double> MixedCurvature(double[][] p, double[] x, double[] g)
    {
        var m = Matrix<double>.Build.Dense(In, Out * In + (HasBias ? Out : 0));
        for (int o = 0; o < Out; o++)
        {
            for (int i = 0; i < In; i++) m[i, o * In + i] = g[o];
        }
        return m;
    }

    private double[][] WeightAndBias(double[] g, double[] x, int batch)
    {
        var dw = LinearMaps.WeightGradient(g, x, batch, In, Out);
        return HasBias ? [dw, LinearMaps.BiasGradient(g, batch, Out)] : [dw];
    }
}
