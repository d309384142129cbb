using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Optimizers;

/// <summary>
/// Step-size scaling (method.md): u = (lr / (1 - b1^t)) m / (sqrt(v / (1 - b2^t)) + eps),
/// alpha = min(alpha_max, sqrt(2 delta / sum_i c_i u_i^2)), theta -= alpha u, c = sqrt of the
/// un-bias-corrected EMA of squared HesScale(GN) diagonals: v itself for scaled_adahesscale(_gn),
/// a third slot exp_hessian_sq for scaled_adam (whose v is Adam's EMA of g^2).
/// On the device: pass 1 per tensor updates the moments and writes per-thread partial sums of
/// c u^2; a fixed-order two-stage reduction gives alpha in a one-float buffer; pass 2 per tensor
/// applies theta -= alpha u. No host read per step (<see cref="LastScale"/> reads alpha when asked).
/// </summary>
internal sealed class ScaledOptimizer : Optimizer
{
    private readonly int _source;
    private readonly bool _separate;
    private readonly int[] _partialOffsets;
    private readonly DeviceBuffer _partials;
    private readonly DeviceBuffer _scratch;
    private readonly DeviceBuffer _scale;
    private float? _lastScale = 1f;

    public ScaledOptimizer(string name, Network network, OptimizerSettings settings, CurvatureMethod required, int source)
        : base(name, network, settings, required, source == OptimizerMath.SourceGradientSquared
            ? ["exp_avg", "exp_avg_sq", "exp_hessian_sq"]
            : ["exp_avg", "exp_avg_sq"])
    {
        _source = source;
        _separate = source == OptimizerMath.SourceGradientSquared;
        var parameters = network.Spec.Parameters;
        _partialOffsets = new int[parameters.Count + 1];
        for (int p = 0; p < parameters.Count; p++) _partialOffsets[p + 1] = _partialOffsets[p] + Backend.PartialSlots(parameters[p].Length);
        _partials = Backend.Allocate(_partialOffsets[^1]);
        _scratch = Backend.Allocate(Backend.ReductionParts);
        _scale = Backend.Allocate(1);
        _scale.Upload([1f]);
    }

    public override float LastScale
    {
        get
        {
            if (_lastScale is { } known) return known;
            float[] alpha = new float[1];
            _scale.Download(alpha);
            _lastScale = alpha[0];
            return alpha[0];
        }
    }

    private protected override void Update(TensorInputs[] inputs, long t)
    {
        var parameters = Network.Spec.Parameters;
        var a = new AdaptiveParameters[inputs.Length];
        for (int p = 0; p < inputs.Length; p++)
        {
            a[p] = AdaptiveOptimizer.Parameters(Settings, _source, parameters[p].Length, t);
            var x = inputs[p];
            Backend.ScaledMoments(Network.ParameterBuffer(p), x.Gradient, x.GradientOffset, x.Curvature, x.CurvatureOffset,
                Slot(0, p), Slot(1, p), _separate ? Slot(2, p) : null, _partials, _partialOffsets[p], a[p]);
        }
        Backend.ScaleFromPartials(_partials, _partialOffsets[^1], _scratch, _scale, Settings.Delta, Settings.AlphaMax);
        for (int p = 0; p < inputs.Length; p++)
            Backend.ScaledApply(Network.ParameterBuffer(p), Slot(0, p), Slot(1, p), _scale, a[p]);
        _lastScale = null;
    }

    private protected override void RestoreExtra(OptimizerState state)
    {
        _scale.Upload([state.LastScale]);
        _lastScale = state.LastScale;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _partials.Dispose();
            _scratch.Dispose();
            _scale.Dispose();
        }
        base.Dispose(disposing);
    }
}
