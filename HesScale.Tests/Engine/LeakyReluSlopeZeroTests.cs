using HesScale.Gpu.Engine;
using HesScale.Gpu.Layers;

namespace HesScale.Tests.Engine;

/// <summary>
/// A leaky ReLU of slope 0 is not ReLU: it computes 0 * a, so NaN and -inf inputs give NaN and -3 gives -0, on the
/// native path's vector lanes and scalar tail alike, as in the kernel (the native forward once took ReLU's constant 0
/// whenever the slope was 0, so the result depended on the element's position and hid a diverging run).
/// </summary>
[TestClass]
public sealed class LeakyReluSlopeZeroTests
{
    [TestMethod]
    public void Native_forward_equals_the_kernel_bit_for_bit_in_vector_lanes_and_tail()
    {
        float[] a = new float[37]; // several whole vectors and a tail at any SIMD width up to 16
        var rng = new Random(5);
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 6 - 3);
        foreach (int i in new[] { 0, 9, 20, 35 }) a[i] = float.NaN;
        foreach (int i in new[] { 1, 17, 36 }) a[i] = float.NegativeInfinity;
        var layer = LayerSpec.LeakyReLU(0f);
        float[] native = Forward(Devices.Native.Backend), kernel = Forward(Devices.Simulator.Backend);
        for (int i = 0; i < a.Length; i++)
        {
            bool same = float.IsNaN(kernel[i]) ? float.IsNaN(native[i]) : BitConverter.SingleToInt32Bits(native[i]) == BitConverter.SingleToInt32Bits(kernel[i]);
            Assert.IsTrue(same, $"element {i}: a = {a[i]}, native {native[i]}, kernel {kernel[i]}");
        }
        Assert.IsTrue(float.IsNaN(native[9]) && float.IsNaN(native[17]), "NaN and -inf in vector lanes give NaN");
        int negative = Array.FindIndex(a, v => v < 0 && float.IsFinite(v));
        Assert.IsTrue(float.IsNegative(native[negative]) && native[negative] == 0f, "0 * a of a negative a is -0");

        float[] Forward(Backend backend)
        {
            using var h = new BackendOpHarness(backend, seed: 0);
            var input = h.Upload(a);
            var z = h.Output("z", a.Length);
            ActivationOps.Of(backend).Forward(layer, input, z, a.Length);
            return h.Results()[0].Values;
        }
    }
}
