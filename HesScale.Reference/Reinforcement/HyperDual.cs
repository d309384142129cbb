namespace HesScale.Reference.Reinforcement;

/// <summary>
/// A hyper-dual number a + b e1 + c e2 + d e1 e2 with e1^2 = e2^2 = 0. Seeding one input as
/// x + e1 + e2 makes any expression built from these operations carry the exact first derivative
/// (E1) and the exact second derivative (E12) with respect to that input, without truncation error:
/// an independent check on hand-derived formulas.
/// </summary>
public readonly record struct HyperDual(double Value, double E1, double E2, double E12)
{
    public static HyperDual Constant(double value) => new(value, 0, 0, 0);
    public static HyperDual Variable(double value) => new(value, 1, 1, 0);

    public static implicit operator HyperDual(double value) => Constant(value);

    public static HyperDual operator +(HyperDual x, HyperDual y) => new(x.Value + y.Value, x.E1 + y.E1, x.E2 + y.E2, x.E12 + y.E12);
    public static HyperDual operator -(HyperDual x, HyperDual y) => new(x.Value - y.Value, x.E1 - y.E1, x.E2 - y.E2, x.E12 - y.E12);
    public static HyperDual operator -(HyperDual x) => new(-x.Value, -x.E1, -x.E2, -x.E12);
    public static HyperDual operator *(HyperDual x, HyperDual y) =>
        new(x.Value * y.Value, x.E1 * y.Value + x.Value * y.E1, x.E2 * y.Value + x.Value * y.E2,
            x.E12 * y.Value + x.E1 * y.E2 + x.E2 * y.E1 + x.Value * y.E12);
    public static HyperDual operator /(HyperDual x, HyperDual y) => x * Reciprocal(y);

    /// <summary>Applies a scalar function with value f, first derivative d1 and second derivative d2 at x.Value.</summary>
    public static HyperDual Chain(HyperDual x, double f, double d1, double d2) =>
        new(f, d1 * x.E1, d1 * x.E2, d1 * x.E12 + d2 * x.E1 * x.E2);

    public static HyperDual Reciprocal(HyperDual x)
    {
        double v = x.Value;
        return Chain(x, 1 / v, -1 / (v * v), 2 / (v * v * v));
    }

    public static HyperDual Exp(HyperDual x)
    {
        double e = Math.Exp(x.Value);
        return Chain(x, e, e, e);
    }

    public static HyperDual Log(HyperDual x) => Chain(x, Math.Log(x.Value), 1 / x.Value, -1 / (x.Value * x.Value));

    /// <summary>The smaller by value (the first on ties), carrying its derivatives.</summary>
    public static HyperDual Min(HyperDual x, HyperDual y) => y.Value < x.Value ? y : x;

    /// <summary>Clamps by value: outside [lo, hi] the result is a constant.</summary>
    public static HyperDual Clamp(HyperDual x, double lo, double hi) =>
        x.Value < lo ? Constant(lo) : x.Value > hi ? Constant(hi) : x;
}
