using HesScale.Gpu;
using MathNet.Numerics.LinearAlgebra;

namespace HesScale.Reference.Layers;

/// <summary>z = s(a) elementwise, any shape; s, s' and s'' from <see cref="ActivationDerivatives"/>. No parameters.</summary>
public sealed class ActivationLayer : ReferenceLayer
{
    /// <param name="input">The shape, kept.</param>
    /// <param name="kind">An activation kind.</param>
    /// <param name="slope">The LeakyReLU slope (ignored by the others).</param>
    public ActivationLayer(TensorShape input, LayerKind kind, double slope = 0.01)
        : base(CaseName(kind), input, input)
    {
        Function = kind;
        Slope = slope;
    }

    /// <summary>Which s.</summary>
    public LayerKind Function { get; }

    /// <summary>The LeakyReLU slope.</summary>
    public double Slope { get; }

    /// <inheritdoc/>
    public override double[] Forward(double[][] p, double[] x, int batch) => Map(x, a => ActivationDerivatives.Value(Function, Slope, a));

    /// <summary>g_a = s'(a) g_z.</summary>
    public override double[] BackwardInput(double[][] p, double[] x, double[] g, int batch) => Map(x, (i, a) => First(a) * g[i]);

    /// <summary>d_a = s'(a)^2 d_z (+ s''(a) g_z).</summary>
    public override double[] BackwardDiagonal(double[][] p, double[] x, double[] g, double[] d, int batch, bool secondOrder) => Map(x, (i, a) =>
    {
        double d1 = First(a);
        double r = d1 * d1 * d[i];
        if (secondOrder) r += Second(a) * g[i];
        return r;
    });

    /// <summary>R{z} = s'(a) R{a}.</summary>
    public override double[] RForward(double[][] p, double[][] v, double[] x, double[] rx, int batch) => Map(x, (i, a) => First(a) * rx[i]);

    /// <summary>R{g_a} = R{g_z} s'(a) + g_z s''(a) R{a}.</summary>
    public override double[] RBackwardInput(double[][] p, double[][] v, double[] x, double[] rx, double[] g, double[] rg, int batch) =>
        Map(x, (i, a) => rg[i] * First(a) + g[i] * Second(a) * rx[i]);

    /// <summary>diag(s'(a)).</summary>
    public override Matrix<double> InputJacobian(double[][] p, double[] x) => Matrix<double>.Build.DenseOfDiagonalArray(Map(x, First));

    /// <summary>g_k s''(a_k).</summary>
    public override double[] InputCurvature(double[][] p, double[] x, double[] g) => Map(x, (i, a) => g[i] * Second(a));

    private double First(double a) => ActivationDerivatives.First(Function, Slope, a);

    private double Second(double a) => ActivationDerivatives.Second(Function, Slope, a);

    private static double[] Map(double[] x, Func<double, double> f) => Map(x, (_, a) => f(a));

    private static double[] Map(double[] x, Func<int, double, double> f)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = f(i, x[i]);
        return r;
    }

    private static string CaseName(LayerKind kind) => kind switch
    {
        LayerKind.Tanh => "tanh",
        LayerKind.Sigmoid => "sigmoid",
        LayerKind.ReLU => "relu",
        LayerKind.LeakyReLU => "leaky_relu",
        LayerKind.ELU => "elu",
        LayerKind.SELU => "selu",
        LayerKind.Softplus => "softplus",
        LayerKind.Identity => "identity",
        _ => throw new ArgumentException($"'{kind}' is not an activation."),
    };
}
