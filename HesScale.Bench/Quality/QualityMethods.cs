using HesScale.Gpu.Curvature;

namespace HesScale.Bench.Quality;

/// <summary>One compared method: its identifier in files, the estimator and its number of samples (null estimator: the zero estimate).</summary>
public sealed record QualityMethod(string Id, EstimatorKind? Kind, int Samples)
{
    /// <summary>Every method of the experiment, in the order.</summary>
    public static IReadOnlyList<QualityMethod> All { get; } =
    [
        new("hesscale", EstimatorKind.HesScale, 1),
        new("bl89", EstimatorKind.BL89, 1),
        new("bl89_official", EstimatorKind.BL89Official, 1),
        new("hesscale_gn", EstimatorKind.HesScaleGN, 1),
        new("ggn", EstimatorKind.Ggn, 1),
        new("ggn_mc_1", EstimatorKind.GgnMc, 1),
        new("ggn_mc_50", EstimatorKind.GgnMc, 50),
        new("hutchinson_1", EstimatorKind.Hutchinson, 1),
        new("hutchinson_50", EstimatorKind.Hutchinson, 50),
        new("kfac_1", EstimatorKind.Kfac, 1),
        new("kfac_50", EstimatorKind.Kfac, 50),
        new("grad_squared", EstimatorKind.GradSquared, 1),
        new("exact", EstimatorKind.Exact, 1),
        new("zero", null, 1),
    ];
}
