namespace HesScale.Gpu.Reinforcement.Losses;

/// <summary>How the variance network's raw output z becomes the Gaussian policy's variance.</summary>
public enum VarianceKind
{
    /// <summary>Ours: var = softplus(z) + floor (smooth, never below the floor).</summary>
    Softplus,
    /// <summary>The official code's: var = exp(z), used in the losses as max(var, floor) in value only.</summary>
    Exp,
}

/// <summary>
/// The variance head's positivity transform var = f(z), applied inside the Gaussian losses so that its
/// first and second derivatives are part of the output gradient and diagonal (for an elementwise map this
/// equals HesScale's activation rule f'^2 h + f'' g). Softplus: f = softplus(z) + Floor, f' = sigmoid(z),
/// f'' = f'(1 - f'). Exp (official, mujoco.md 4.4): f = max(e^z, Floor) in value, but f' = f'' = e^z as if
/// unclamped (the official clamp passes the gradient through).
/// </summary>
public readonly record struct VarianceTransform(VarianceKind Kind, double Floor)
{
    /// <summary>Ours: softplus(z) + <paramref name="minVariance"/>.</summary>
    public static VarianceTransform Softplus(double minVariance) => new(VarianceKind.Softplus, minVariance);

    /// <summary>The official exp output with a value-only floor.</summary>
    public static VarianceTransform Exp(double floor) => new(VarianceKind.Exp, floor);

    /// <summary>The variance used in the density.</summary>
    public double Value(double z) => Kind == VarianceKind.Exp ? Math.Max(Math.Exp(z), Floor) : PolicyMath.Softplus(z) + Floor;

    /// <summary>(dvar/dz, d2var/dz2) of the transform (Exp: unclamped, as the official gradient).</summary>
    public (double First, double Second) Derivatives(double z)
    {
        if (Kind == VarianceKind.Exp)
        {
            double e = Math.Exp(z);
            return (e, e);
        }
        double s = PolicyMath.Sigmoid(z);
        return (s, s * (1 - s));
    }

    /// <summary>Throws naming the problem when the floor is not positive and finite.</summary>
    public void Validate(string loss)
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentOutOfRangeException(nameof(Kind), Kind, $"{loss}: unknown variance transform.");
        if (!(Floor > 0) || !double.IsFinite(Floor)) throw new ArgumentOutOfRangeException(nameof(Floor), Floor, $"{loss}: the variance floor must be positive and finite.");
    }

    /// <summary>"exp" or "softplus".</summary>
    public override string ToString() => Kind == VarianceKind.Exp ? "exp" : "softplus";
}
