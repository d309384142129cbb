using System.Runtime.CompilerServices;
using ILGPU.Algorithms;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// A counter-based random generator: every number is a 64-bit hash of (seed, stream, index)
/// (SplitMix64's finaliser applied three times), so kernels and the host evaluate the same
/// function and any element can be drawn independently of the others. The same seed gives
/// the same numbers on every backend.
/// </summary>
internal static class RandomMath
{
    /// <summary>SplitMix64's increment, the golden ratio in 64 bits (Steele, Lea, Flood 2014).</summary>
    public const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>
    /// SplitMix64's finaliser, the one copy: the counter-based hash below, <see cref="Training.SplitMix64"/>'s
    /// stream (Mix(state += Golden)) and the optimizers' per-step seeds all call it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>64 random bits for element <paramref name="index"/> of <paramref name="stream"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Hash(ulong seed, ulong stream, ulong index) => HashAt(Key(seed, stream), index);

    /// <summary>The (seed, stream) part of <see cref="Hash"/>: loops over many indices compute it once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Key(ulong seed, ulong stream) =>
        Mix(Mix(seed ^ Golden) ^ (stream * 0xBF58476D1CE4E5B9UL + 0x632BE59BD9B4E019UL));

    /// <summary><see cref="Hash"/> from a precomputed <see cref="Key"/>: one mixing round per element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong HashAt(ulong key, ulong index) => Mix(key ^ (index * 0x94D049BB133111EBUL + 0xD1B54A32D192ED03UL));

    /// <summary>Uniform in [0, 1) with 24 random bits (exact in float).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Uniform(ulong seed, ulong stream, ulong index) =>
        (Hash(seed, stream, index) >> 40) * (1f / 16777216f);

    /// <summary>+1 or -1 with probability 1/2 each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Rademacher(ulong seed, ulong stream, ulong index) => RademacherAt(Key(seed, stream), index);

    /// <summary>
    /// <see cref="Rademacher"/> from a precomputed <see cref="Key"/>; the sign comes from the hash's top
    /// bit by arithmetic, not a branch (a random sign mispredicts half the time on a CPU).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RademacherAt(ulong key, ulong index) => 1f - 2f * (int)(HashAt(key, index) >> 63);

    /// <summary>Standard normal by Box-Muller from the hashes of indices 2i and 2i + 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Normal(ulong seed, ulong stream, ulong index)
    {
        float u1 = ((Hash(seed, stream, 2 * index) >> 40) + 1) * (1f / 16777216f); // (0, 1]
        float u2 = Uniform(seed, stream, 2 * index + 1);
        return XMath.Sqrt(-2f * XMath.Log(u1)) * XMath.Cos(6.28318530717958647692f * u2);
    }
}
