namespace HesScale.Gpu.Curvature;

/// <summary>The Hessian-diagonal estimators of <see cref="CurvatureEstimator"/> (method.md, "Methods HesScale is compared with").</summary>
public enum EstimatorKind
{
    /// <summary>The exact Hessian diagonal (BackPACK DiagHessian: output factors plus signed activation residuals).</summary>
    Exact,
    /// <summary>The exact generalised Gauss-Newton diagonal (DiagGGNExact).</summary>
    Ggn,
    /// <summary>Monte-Carlo GGN diagonal with k sampled output columns (DiagGGNMC), averaged over the samples.</summary>
    GgnMc,
    /// <summary>Hutchinson's v * (H v) with k Rademacher vectors (AdaHessian); H v by Pearlmutter's R-operator.</summary>
    Hutchinson,
    /// <summary>The diagonal of KFAC's G (x) A with k MC samples for G.</summary>
    Kfac,
    /// <summary>The squared batch gradient.</summary>
    GradSquared,
    /// <summary>HesScale (the engine's fused pass).</summary>
    HesScale,
    /// <summary>HesScaleGN (the engine's fused pass).</summary>
    HesScaleGN,
    /// <summary>BL89 as method.md defines it (the engine's fused pass).</summary>
    BL89,
    /// <summary>BL89 as the official code computes it: zero output curvature for cross-entropy (see method.md).</summary>
    BL89Official,
}

/// <summary>Identifiers of <see cref="EstimatorKind"/> for files and command lines.</summary>
public static class EstimatorNames
{
    /// <summary>"exact", "ggn", "ggn_mc", "hutchinson", "kfac", "grad_squared", "hesscale", "hesscale_gn", "bl89", "bl89_official".</summary>
    public static string Name(EstimatorKind kind) => kind switch
    {
        EstimatorKind.Exact => "exact",
        EstimatorKind.Ggn => "ggn",
        EstimatorKind.GgnMc => "ggn_mc",
        EstimatorKind.Hutchinson => "hutchinson",
        EstimatorKind.Kfac => "kfac",
        EstimatorKind.GradSquared => "grad_squared",
        EstimatorKind.HesScale => "hesscale",
        EstimatorKind.HesScaleGN => "hesscale_gn",
        EstimatorKind.BL89 => "bl89",
        EstimatorKind.BL89Official => "bl89_official",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown estimator."),
    };

    /// <summary>Whether the estimator draws random numbers (its samples count matters).</summary>
    public static bool IsStochastic(EstimatorKind kind) => kind is EstimatorKind.GgnMc or EstimatorKind.Hutchinson or EstimatorKind.Kfac;
}
