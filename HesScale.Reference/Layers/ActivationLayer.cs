using HesScale.Gpu;
using MathNet.Numerics.LinearAlgebra;

namespace HesScale.Reference.Layers;

/// <summary>
/// z = s(a) elementwise, any shape, no parameters. A subclass per activation gives s, s' and s'' (BackPACK's
/// df / d2f); the operations of every pass are written here once.
/// </summary>
public abstract class ActivationLayer : ReferenceLayer
{
    /// <param name="kind">The case-file name (tanh, leaky_relu, ...).</param>
    /// <param name="shape">The shape, kept.</param>
    protected ActivationLayer(string kind, TensorShape shape) : base(kind, shape, shape) { }

    /// <summary>Which s, as the library's layer kind.</summary>
    public abstract LayerKind Function { get; }

    /// <summary>s(a).</summary>
    public abstract double Value(double a);

    /// <summary>s'(a).</summary>
    public abstract double First(double a);

    /// <summary>s''(a).</summary>
    public abstract double Second(double a);

    /// <summary>The activation layer of <paramref name="kind"/>; <paramref name="slope"/> is LeakyReLU's.</summary>
    public static ActivationLayer Create(TensorShape shape, LayerKind kind, double slope = 0.01) => kind switch
    {
        LayerKind.Tanh => new TanhLayer(shape),
        LayerKind.Sigmoid => new SigmoidLayer(shape),
        LayerKind.ReLU => new ReLULayer(shape),
        LayerKind.LeakyReLU => new LeakyReLULayer(shape, slope),
        LayerKind.ELU => new ELULayer(shape),
        LayerKind.SELU => new SELULayer(shape),
        LayerKind.Softplus => new SoftplusLayer(shape),
        LayerKind.Identity => new IdentityLayer(shape),
        _ => throw new ArgumentException($"'{kind}' is not an activation."),
    };

    /// <inheritdoc/>
    public override double[] Forward(double[][] p, double[] x, int batch) => Map(x, (_, a) => Value(a));

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
    public override Matrix<double> InputJacobian(double[][] p, double[] x) => Matrix<double>.Build.DenseOfDiagonalArray(Map(x, (_, a) => First(a)));

    /// <summary>g_k s''(a_k).</summary>
    public override double[] InputCurvature(double[][] p, double[] x, double[] g) => Map(x, (i, a) => g[i] * Second(a));

    private static double[] Map(double[] x, Func<int, double, double> f)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = f(i, x[i]);
        return r;
    }
}
