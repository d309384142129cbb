namespace HesScale.Gpu.Engine;

/// <summary>A pass produced NaN or infinity (diverged parameters); raised instead of returning a silent NaN.</summary>
public sealed class NonFiniteValueException : ArithmeticException
{
    /// <summary>A non-finite value described by <paramref name="message"/>.</summary>
    public NonFiniteValueException(string message) : base(message) { }
    /// <summary>A non-finite value with a generic message.</summary>
    public NonFiniteValueException() { }
    /// <summary>A non-finite value described by <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public NonFiniteValueException(string message, Exception inner) : base(message, inner) { }
}
