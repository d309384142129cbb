using System.Collections.Immutable;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Model;

/// <summary>Which pass computes a method: the fused <c>Network.Backward</c> traversal or an estimator pass.</summary>
public enum MethodPass
{
    /// <summary>A curvature channel of <c>Network.Backward</c>, carried next to the gradient.</summary>
    Fused,
    /// <summary>A pass of <see cref="Curvature.CurvatureEstimator"/> after the gradient pass.</summary>
    Estimator,
}

/// <summary>What a method starts from at the network output (docs/method.md).</summary>
public enum OutputCurvature
{
    /// <summary>The exact diagonal of the loss Hessian d2L/dy2.</summary>
    ExactDiagonal,
    /// <summary>Cross-entropy: only the target class's p (1 - p); MSE as <see cref="ExactDiagonal"/> (BL89).</summary>
    TargetClassOnly,
    /// <summary>Cross-entropy: zero, as the official BL89 code computes it; MSE as <see cref="ExactDiagonal"/>.</summary>
    ZeroForCrossEntropy,
    /// <summary>The K exact factor columns of d2L/dy2 (exact Hessian and GGN).</summary>
    ExactFactors,
    /// <summary>k sampled factor columns (GGN-MC, KFAC's G).</summary>
    SampledFactors,
    /// <summary>The full output Hessian times R-operator directions (Hutchinson).</summary>
    HessianProduct,
    /// <summary>None: the squared gradient.</summary>
    None,
}

/// <summary>
/// One row of the method table: every Hessian-diagonal method the library computes, with what the
/// engine, the estimator, the optimizers and the commands need to know about it. Rows are the
/// static members; <see cref="All"/> is the table. Compare rows by reference.
/// </summary>
public sealed class CurvatureMethod
{
    private CurvatureMethod(string id, MethodPass pass, bool stochastic, OutputCurvature output, string optimizerSlot, bool inCaseFiles, int kernelMode, string description)
    {
        Id = id;
        Pass = pass;
        IsStochastic = stochastic;
        Output = output;
        OptimizerSlot = optimizerSlot;
        InCaseFiles = inCaseFiles;
        KernelMode = kernelMode;
        Description = description;
    }

    /// <summary>File and command-line identifier ("hesscale", "ggn_mc", ...).</summary>
    public string Id { get; }
    /// <summary>Whether <c>Network.Backward</c> computes it (fused) or a <see cref="Curvature.CurvatureEstimator"/> pass.</summary>
    public MethodPass Pass { get; }
    /// <summary>Whether it draws random numbers (its sample count and seed matter).</summary>
    public bool IsStochastic { get; }
    /// <summary>Its rule at the network output.</summary>
    public OutputCurvature Output { get; }
    /// <summary>Name of the second-moment slot an adaptive optimizer stepping from it keeps ("exp_avg_sq", or "exp_hessian_abs" for BL89's |h| EMA).</summary>
    public string OptimizerSlot { get; }
    /// <summary>Whether case files' expected arrays carry it (the <c>diag</c> command's methods).</summary>
    public bool InCaseFiles { get; }
    /// <summary>One line: what it computes.</summary>
    public string Description { get; }
    /// <summary>Whether it is a channel of the fused backward pass.</summary>
    public bool IsFused => Pass == MethodPass.Fused;
    /// <summary>The kernels' integer mode of a fused channel (<see cref="Channels"/>); 0 for estimator methods.</summary>
    internal int KernelMode { get; }

    /// <summary>HesScale: exact output diagonal, diagonal recursion keeping the s''(a) g term.</summary>
    public static CurvatureMethod HesScale { get; } = new("hesscale", MethodPass.Fused, false, OutputCurvature.ExactDiagonal, "exp_avg_sq", true, Channels.HesScale,
        "HesScale: exact output diagonal, diagonal recursion with the s''(a) g term");
    /// <summary>HesScaleGN: HesScale without the s''(a) g term (Gauss-Newton).</summary>
    public static CurvatureMethod HesScaleGN { get; } = new("hesscale_gn", MethodPass.Fused, false, OutputCurvature.ExactDiagonal, "exp_avg_sq", true, Channels.HesScaleGN,
        "HesScaleGN: HesScale without the s''(a) g term");
    /// <summary>Becker and LeCun 1989 as method.md defines it: target-class-only output term for cross-entropy.</summary>
    public static CurvatureMethod BL89 { get; } = new("bl89", MethodPass.Fused, false, OutputCurvature.TargetClassOnly, "exp_hessian_abs", true, Channels.BL89,
        "BL89: HesScale's recursion from the target class's output term only");
    /// <summary>BL89 as the official code computes it: zero output curvature for cross-entropy (a HesScale pass from another start).</summary>
    public static CurvatureMethod BL89Official { get; } = new("bl89_official", MethodPass.Estimator, false, OutputCurvature.ZeroForCrossEntropy, "exp_hessian_abs", false, 0,
        "BL89 as the official code computes it (zero output curvature for cross-entropy)");
    /// <summary>The exact Hessian diagonal (BackPACK DiagHessian: output factors plus signed activation residuals).</summary>
    public static CurvatureMethod Exact { get; } = new("exact", MethodPass.Estimator, false, OutputCurvature.ExactFactors, "exp_avg_sq", true, 0,
        "exact Hessian diagonal (factor columns plus signed residual columns)");
    /// <summary>The exact generalised Gauss-Newton diagonal (DiagGGNExact).</summary>
    public static CurvatureMethod Ggn { get; } = new("ggn", MethodPass.Estimator, false, OutputCurvature.ExactFactors, "exp_avg_sq", true, 0,
        "exact GGN diagonal (factor columns)");
    /// <summary>Monte-Carlo GGN diagonal with k sampled output columns (DiagGGNMC), averaged over the samples.</summary>
    public static CurvatureMethod GgnMc { get; } = new("ggn_mc", MethodPass.Estimator, true, OutputCurvature.SampledFactors, "exp_avg_sq", false, 0,
        "Monte-Carlo GGN diagonal from k sampled output columns");
    /// <summary>Hutchinson's v * (H v) with k Rademacher vectors (AdaHessian); H v by Pearlmutter's R-operator.</summary>
    public static CurvatureMethod Hutchinson { get; } = new("hutchinson", MethodPass.Estimator, true, OutputCurvature.HessianProduct, "exp_avg_sq", false, 0,
        "Hutchinson's v (H v) with k Rademacher vectors");
    /// <summary>The diagonal of KFAC's G (x) A with k MC samples for G.</summary>
    public static CurvatureMethod Kfac { get; } = new("kfac", MethodPass.Estimator, true, OutputCurvature.SampledFactors, "exp_avg_sq", false, 0,
        "diagonal of KFAC's G (x) A, k MC samples for G");
    /// <summary>The squared batch gradient.</summary>
    public static CurvatureMethod GradSquared { get; } = new("grad_squared", MethodPass.Estimator, false, OutputCurvature.None, "exp_avg_sq", false, 0,
        "the squared batch gradient");

    /// <summary>The table, in the order commands list and report methods.</summary>
    public static ImmutableArray<CurvatureMethod> All { get; } = [HesScale, BL89, BL89Official, HesScaleGN, Ggn, GgnMc, Hutchinson, Kfac, GradSquared, Exact];

    /// <summary>The fused rows in the engine's channel order (channel 1 + position).</summary>
    public static ImmutableArray<CurvatureMethod> Fused { get; } = [HesScale, HesScaleGN, BL89];

    /// <summary>The row with identifier <paramref name="id"/> (case-insensitive); false for unknown ids.</summary>
    public static bool TryParse(string? id, out CurvatureMethod method)
    {
        foreach (var m in All)
        {
            if (string.Equals(m.Id, id, StringComparison.OrdinalIgnoreCase))
            {
                method = m;
                return true;
            }
        }
        method = null!;
        return false;
    }

    /// <summary>The row with identifier <paramref name="id"/>; <see cref="ArgumentException"/> naming the known ids otherwise.</summary>
    public static CurvatureMethod Parse(string id) => TryParse(id, out var m) ? m
        : throw new ArgumentException($"Unknown curvature method '{id}' (known: {string.Join(", ", All.Select(x => x.Id))}).", nameof(id));

    /// <summary>The fused methods of a request, de-duplicated, in channel order; throws for null or estimator rows.</summary>
    internal static CurvatureMethod[] FusedSet(ReadOnlySpan<CurvatureMethod> methods, string paramName)
    {
        foreach (var m in methods)
        {
            if (m is null) throw new ArgumentNullException(paramName, "A requested curvature method is null.");
            if (!m.IsFused)
                throw new ArgumentException($"Unknown curvature method for Network.Backward: '{m.Id}' is not fused (fused: {string.Join(", ", Fused.Select(x => x.Id))}); use a CurvatureEstimator.", paramName);
        }
        var list = new List<CurvatureMethod>(Fused.Length);
        foreach (var f in Fused)
        {
            if (methods.Contains(f)) list.Add(f);
        }
        return [.. list];
    }

    /// <inheritdoc/>
    public override string ToString() => Id;
}
