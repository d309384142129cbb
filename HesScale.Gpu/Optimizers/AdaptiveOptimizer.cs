using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Optimizers;

/// <summary>
/// Adam (second moment of g^2), AdaHesScale / AdaHesScaleGN (of h^2), AdaHessian / AdaGGNMC (of
/// the squared Hutchinson / GGN-MC estimate) and the official code's BL89 optimizer (EMA of |h|,
/// denominator |h|-EMA / (1 - b2^t) + eps without a root).
/// theta -= (lr / (1 - b1^t)) m / (sqrt(v / (1 - b2^t)) + eps). Slots: exp_avg, exp_avg_sq.
/// </summary>
internal sealed class AdaptiveOptimizer : Optimizer
{
    private readonly int source;

    public AdaptiveOptimizer(string name, Network network, OptimizerSettings settings, CurvatureMethod? required, int source)
        : base(name, network, settings, required, "exp_avg", source == OptimizerMath.SourceCurvatureAbs ? "exp_hessian_abs" : "exp_avg_sq") =>
        this.source = source;

    /// <summary>AdaHessian / AdaGGNMC: the squared estimator diagonal in the second moment.</summary>
    public AdaptiveOptimizer(string name, Network network, OptimizerSettings settings, CurvatureMethod estimator)
        : base(name, network, settings, null, estimator, "exp_avg", "exp_avg_sq") =>
        source = OptimizerMath.SourceCurvatureSquared;

    internal static AdaptiveParameters Parameters(OptimizerSettings s, int source, int length, long t) => new()
    {
        Length = length,
        Source = source,
        Root = source == OptimizerMath.SourceCurvatureAbs ? 0 : 1,
        Beta1 = s.Beta1,
        Beta2 = s.Beta2,
        Epsilon = s.Epsilon,
        WeightDecay = s.WeightDecay,
        StepSize = (float)(s.LearningRate / BiasCorrection(s.Beta1, t)),
        InvBiasCorrection2 = (float)(1.0 / BiasCorrection(s.Beta2, t)),
    };

    private protected override void Update(TensorInputs[] inputs, long t)
    {
        var parameters = Network.Spec.Parameters;
        for (int p = 0; p < inputs.Length; p++)
        {
            var a = Parameters(Settings, source, parameters[p].Length, t);
            var x = inputs[p];
            Backend.AdaptiveStep(Network.ParameterBuffer(p), x.Gradient, x.GradientOffset, x.Curvature, x.CurvatureOffset, Slot(0, p), Slot(1, p), a);
        }
    }
}
