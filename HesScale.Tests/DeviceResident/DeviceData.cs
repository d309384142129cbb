using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Tests.DeviceResident;

/// <summary>Test helpers: application-side buffers on an accelerator and host copies of views.</summary>
internal static class DeviceData
{
    public static MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(Accelerator accelerator, T[] values)
        where T : unmanaged => accelerator.Allocate1D(values);

    /// <summary>A host copy of <paramref name="view"/> (waits for the stream).</summary>
    public static float[] Read(ArrayView<float> view) => ((ArrayView1D<float, Stride1D.Dense>)view).GetAsArray1D();

    /// <summary>The indices where two arrays differ bitwise (at most 5, for messages).</summary>
    public static string Differences(float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length) return $"lengths {expected.Length} and {actual.Length}";
        var bad = Enumerable.Range(0, expected.Length)
            .Where(i => BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            .Take(5).Select(i => $"[{i}] {expected[i]:R} vs {actual[i]:R}").ToArray();
        return string.Join(", ", bad);
    }
}
