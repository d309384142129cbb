using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HesScale.Gpu.Native;

/// <summary>Vectorised inner loops of the native path.</summary>
internal static class SimdMath
{
    /// <summary>sum_i x[i] y[i].</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int i = 0, width = Vector<float>.Count;
        float sum = 0f;
        if (x.Length >= width)
        {
            var acc = Vector<float>.Zero;
            ref float xr = ref MemoryMarshal.GetReference(x);
            ref float yr = ref MemoryMarshal.GetReference(y);
            for (; i <= x.Length - width; i += width)
                acc += Vector.LoadUnsafe(ref xr, (nuint)i) * Vector.LoadUnsafe(ref yr, (nuint)i);
            sum = Vector.Sum(acc);
        }
        for (; i < x.Length; i++) sum += x[i] * y[i];
        return sum;
    }

    /// <summary>dst[i] += a x[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaled(Span<float> dst, float a, ReadOnlySpan<float> x)
    {
        int i = 0, width = Vector<float>.Count;
        ref float dr = ref MemoryMarshal.GetReference(dst);
        ref float xr = ref MemoryMarshal.GetReference(x);
        var av = new Vector<float>(a);
        for (; i <= dst.Length - width; i += width)
            (Vector.LoadUnsafe(ref dr, (nuint)i) + av * Vector.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        for (; i < dst.Length; i++) dst[i] += a * x[i];
    }

    /// <summary>dst[i] += a x[i]^2 (the HesScale product: squared weights or inputs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddScaledSquare(Span<float> dst, float a, ReadOnlySpan<float> x)
    {
        int i = 0, width = Vector<float>.Count;
        ref float dr = ref MemoryMarshal.GetReference(dst);
        ref float xr = ref MemoryMarshal.GetReference(x);
        var av = new Vector<float>(a);
        for (; i <= dst.Length - width; i += width)
        {
            var xv = Vector.LoadUnsafe(ref xr, (nuint)i);
            (Vector.LoadUnsafe(ref dr, (nuint)i) + av * xv * xv).StoreUnsafe(ref dr, (nuint)i);
        }
        for (; i < dst.Length; i++) dst[i] += a * x[i] * x[i];
    }
}
