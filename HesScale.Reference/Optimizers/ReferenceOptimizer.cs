namespace HesScale.Reference.Optimizers;

/// <summary>Hyper-parameters of <see cref="ReferenceOptimizer"/> in double precision.</summary>
public sealed record ReferenceHyperParameters(double LearningRate, double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8,
    double Momentum = 0, double WeightDecay = 0, double Delta = 1e-4, double AlphaMax = 1);

/// <summary>
/// Plain double-precision optimizer steps written from method.md and PyTorch's documented
/// algorithms, one element at a time, for checking the device kernels. State: per tensor
/// m (first moment / momentum buffer), v (second moment) and w (Scaled Adam's EMA of h^2).
/// </summary>
public sealed class ReferenceOptimizer
{
    private readonly string _name;
    private readonly ReferenceHyperParameters _hp;
    private long _t;

    public ReferenceOptimizer(string name, ReferenceHyperParameters hp, IReadOnlyList<int> lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        _name = name;
        _hp = hp;
        M = lengths.Select(n => new double[n]).ToArray();
        V = lengths.Select(n => new double[n]).ToArray();
        W = lengths.Select(n => new double[n]).ToArray();
    }

    public double[][] M { get; }
    public double[][] V { get; }
    public double[][] W { get; }
    public double LastScale { get; private set; } = 1;

    /// <summary>One step: theta (in place) from gradients and curvature diagonals h (null for sgd/adam).</summary>
    public void Step(double[][] theta, double[][] grad, double[][]? h)
    {
        _t++;
        double b1 = _hp.Beta1, b2 = _hp.Beta2, lr = _hp.LearningRate, wd = _hp.WeightDecay;
        double bc1 = 1 - Math.Pow(b1, _t), bc2 = 1 - Math.Pow(b2, _t);
        var u = new double[theta.Length][];
        double quadratic = 0;
        for (int p = 0; p < theta.Length; p++)
        {
            u[p] = new double[theta[p].Length];
            for (int i = 0; i < theta[p].Length; i++)
            {
                double g = grad[p][i] + wd * theta[p][i];
                double hi = h is null ? 0 : h[p][i];
                switch (_name)
                {
                    case "sgd":
                        if (_hp.Momentum != 0)
                        {
                            M[p][i] = _t == 1 ? g : _hp.Momentum * M[p][i] + g;
                            g = M[p][i];
                        }
                        u[p][i] = lr * g;
                        break;
                    case "bl89":
                        M[p][i] = b1 * M[p][i] + (1 - b1) * g;
                        V[p][i] = b2 * V[p][i] + (1 - b2) * Math.Abs(hi);
                        u[p][i] = lr * (M[p][i] / bc1) / (V[p][i] / bc2 + _hp.Epsilon);
                        break;
                    default:
                        bool adamMoment = _name is "adam" or "scaled_adam";
                        M[p][i] = b1 * M[p][i] + (1 - b1) * g;
                        V[p][i] = b2 * V[p][i] + (1 - b2) * (adamMoment ? g * g : hi * hi);
                        u[p][i] = lr * (M[p][i] / bc1) / (Math.Sqrt(V[p][i] / bc2) + _hp.Epsilon);
                        if (_name == "scaled_adam") W[p][i] = b2 * W[p][i] + (1 - b2) * hi * hi;
                        double c = Math.Sqrt(_name == "scaled_adam" ? W[p][i] : V[p][i]);
                        quadratic += c * u[p][i] * u[p][i];
                        break;
                }
            }
        }
        double alpha = 1;
        if (_name.StartsWith("scaled_", StringComparison.Ordinal))
            alpha = quadratic > 0 ? Math.Min(_hp.AlphaMax, Math.Sqrt(2 * _hp.Delta / quadratic)) : _hp.AlphaMax;
        LastScale = alpha;
        for (int p = 0; p < theta.Length; p++)
            for (int i = 0; i < theta[p].Length; i++) theta[p][i] -= alpha * u[p][i];
    }
}
