using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Training;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny random stream whose whole state is one ulong,
/// so that checkpoints can store it and a resumed run draws the same numbers.
/// </summary>
public sealed class SplitMix64(ulong state)
{
    /// <summary>The full state; setting it rewinds or fast-forwards the stream.</summary>
    public ulong State { get; set; } = state;

    /// <summary>The next 64 random bits (advances the state).</summary>
    public ulong NextUInt64() => RandomMath.Mix(State += RandomMath.Golden);

    /// <summary>Uniform integer in [0, n) (Lemire's multiply-shift; bias below 2^-32 for n &lt; 2^32).</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        return (int)(((NextUInt64() >> 32) * (ulong)n) >> 32);
    }

    /// <summary>Fisher-Yates shuffle in place.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
