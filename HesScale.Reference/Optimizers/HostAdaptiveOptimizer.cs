using HesScale.Gpu;
using HesScale.Gpu.Optimizers;

namespace HesScale.Reference.Optimizers;

/// <summary>
/// A host-side Adam-family optimizer for the small RL networks (method.md, "Optimizers"):
/// adam (v from g^2), adahesscale (v from the HesScale diagonal squared), and their step-size-scaled
/// forms scaled_adam and scaled_adahesscale, which multiply the update u by
/// alpha = min(alphaMax, sqrt(2 delta / sum_i c_i u_i^2)) with c = sqrt(EMA(h^2)) (not bias-corrected).
/// Written independently of HesScale.Gpu.Optimizers (host loops, double accumulation): the tests
/// check the device optimizers against it inside an RL update.
/// </summary>
public sealed class HostAdaptiveOptimizer : IDisposable
{
    /// <summary>adam, scaled_adam, adahesscale, scaled_adahesscale.</summary>
    public static readonly IReadOnlyList<string> Names = ["adam", "scaled_adam", "adahesscale", "scaled_adahesscale"];

    private readonly Network _network;
    private readonly float[][] _m, _v, _hv, _params;
    private readonly bool _hessian, _scaled;
    private long _t;

    public HostAdaptiveOptimizer(string name, Network network, OptimizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Name = name?.ToLowerInvariant() ?? throw new ArgumentNullException(nameof(name));
        if (!Names.Contains(Name)) throw new ArgumentException($"Unknown optimizer '{name}' (known: {string.Join(", ", Names)}).", nameof(name));
        _hessian = Name.Contains("adahesscale", StringComparison.Ordinal);
        _scaled = Name.StartsWith("scaled_", StringComparison.Ordinal);
        _network = network;
        Settings = settings;
        int count = network.Spec.Parameters.Count;
        _m = new float[count][];
        _v = new float[count][];
        _hv = new float[count][];
        _params = new float[count][];
        for (int i = 0; i < count; i++)
        {
            int len = network.Spec.Parameters[i].Length;
            _m[i] = new float[len];
            _v[i] = new float[len];
            _hv[i] = new float[len];
        }
    }

    public string Name { get; }
    public OptimizerSettings Settings { get; }
    /// <summary>HesScale for the AdaHesScale and scaled variants, else none.</summary>
    public CurvatureMethod[] RequiredCurvature => _hessian || _scaled ? [CurvatureMethod.HesScale] : [];
    public float LastScale { get; private set; } = 1f;

    public void Step(BackwardResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var s = Settings;
        _t++;
        double b1 = s.Beta1, b2 = s.Beta2, c1 = 1 - Math.Pow(b1, _t), c2 = 1 - Math.Pow(b2, _t);
        double quad = 0;
        var updates = new float[_m.Length][];
        for (int p = 0; p < _m.Length; p++)
        {
            var g = result.Gradient(p);
            var h = _hessian || _scaled ? result.Curvature(CurvatureMethod.HesScale, p) : null;
            var param = _params[p] = _network.GetParameter(p);
            var u = updates[p] = new float[param.Length];
            var m = _m[p]; var v = _v[p]; var hv = _hv[p];
            for (int i = 0; i < param.Length; i++)
            {
                m[i] = (float)(b1 * m[i] + (1 - b1) * g[i]);
                double second = _hessian ? h![i] : g[i];
                v[i] = (float)(b2 * v[i] + (1 - b2) * second * second);
                if (_scaled && !_hessian) hv[i] = (float)(b2 * hv[i] + (1 - b2) * (double)h![i] * h[i]);
                double step = s.LearningRate / c1 * m[i] / (Math.Sqrt(v[i] / c2) + s.Epsilon);
                u[i] = (float)step;
                if (_scaled)
                {
                    double c = Math.Sqrt(_hessian ? v[i] : hv[i]);
                    quad += c * step * step;
                }
            }
        }
        double alpha = 1;
        if (_scaled) alpha = quad > 0 ? Math.Min(s.AlphaMax, Math.Sqrt(2 * s.Delta / quad)) : s.AlphaMax;
        LastScale = (float)alpha;
        for (int p = 0; p < _m.Length; p++)
        {
            var param = _params[p];
            var u = updates[p];
            for (int i = 0; i < param.Length; i++) param[i] -= (float)(alpha * u[i]);
            try
            {
                _network.SetParameter(p, param);
            }
            catch (ArgumentException e)
            {
                throw new NonFiniteValueException($"{Name}: a step made parameter tensor {p} non-finite ({e.Message}).");
            }
        }
    }

    public void Dispose()
    {
    }
}
