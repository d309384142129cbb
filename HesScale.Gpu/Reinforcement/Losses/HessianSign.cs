namespace HesScale.Gpu.Reinforcement.Losses;

/// <summary>
/// Sign of the output-Hessian diagonal the Gaussian policy losses hand to HesScale. The gradient is
/// always the loss's own; only the second derivative with respect to the distribution parameter
/// (mu, or var before the variance transform) changes sign.
/// </summary>
public enum HessianSign
{
    /// <summary>d2L/du2 of the loss being minimised (ours; the tests check it against the reference).</summary>
    True,
    /// <summary>
    /// The official code's (mujoco.md 4.6): the second derivative of the objective, i.e. -d2L/du2 for
    /// u = mu or var. The variance transform's chain rule (f'' times the true first derivative) is then
    /// applied by HesScale's exp activation as usual, so that term keeps its sign.
    /// </summary>
    Official,
}

/// <summary>Helpers for <see cref="HessianSign"/>.</summary>
public static class HessianSigns
{
    /// <summary>+1 for <see cref="HessianSign.True"/>, -1 for <see cref="HessianSign.Official"/>.</summary>
    public static double Factor(this HessianSign sign) => sign == HessianSign.Official ? -1 : 1;

    /// <summary>Parses "true" or "official"; null for anything else.</summary>
    public static HessianSign? Parse(string? text) => text?.ToLowerInvariant() switch
    {
        "true" => HessianSign.True,
        "official" => HessianSign.Official,
        _ => null,
    };
}
