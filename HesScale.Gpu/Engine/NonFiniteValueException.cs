namespace HesScale.Gpu;

/// <summary>A pass produced NaN or infinity (diverged parameters); raised instead of returning a silent NaN.</summary>
public sealed class NonFiniteValueException : ArithmeticException
{
    public NonFiniteValueException(string message) : base(message) { }
    public NonFiniteValueException() { }
    public NonFiniteValueException(string message, Exception inner) : base(message, inner) { }
}
