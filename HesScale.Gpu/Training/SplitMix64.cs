namespace HesScale.Gpu.Training;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood 2014): a tiny random stream whose whole state is one ulong,
/// so that checkpoints can store it and a resumed run draws the same numbers.
/// </summary>
public sealed class SplitMix64(ulong state)
{
    /// <summary>The full state; setting it rewinds or fast-forwards the stream.</summary>
    public ulong State { get; set; } = state;

    public ulong NextUInt64()
    {
        ulong z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

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
