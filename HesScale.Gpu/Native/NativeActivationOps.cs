using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Layers;

namespace HesScale.Gpu.Native;

/// <summary>
/// <see cref="ActivationOps"/> on host arrays: the formulas of <see cref="ActivationMath"/> and
/// <see cref="CurvatureDerivatives"/> (tanh and sigmoid vectorised), split over the backend's threads.
/// </summary>
internal sealed class NativeActivationOps(NativeBackend backend) : ActivationOps
{
    private const int ElementChunk = NativeBackend.ElementChunk;

    private static float[] A(DeviceBuffer buffer) => NativeBackend.HostArray(buffer);

    private void ForChunks(int total, int align, long work, Action<int, int> body) => backend.ForChunks(total, align, work, body);

    public override void Forward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, int count)
    {
        float[] av = A(a), zv = A(z);
        int kind = (int)layer.Kind;
        float slope = layer.Slope;
        // tanh and sigmoid (the paper's activations) through TensorPrimitives' vectorised versions:
        // ~1 ns per element instead of ~20 for the scalar XMath calls the kernels use.
        if (kind == (int)LayerKind.Tanh || kind == (int)LayerKind.Sigmoid)
        {
            ForChunks(count, ElementChunk, 2L * count, (i0, i1) =>
            {
                var src = av.AsSpan(i0, i1 - i0);
                var dst = zv.AsSpan(i0, i1 - i0);
                if (kind == (int)LayerKind.Tanh) TensorPrimitives.Tanh(src, dst);
                else TensorPrimitives.Sigmoid(src, dst);
            });
            return;
        }
        bool piecewise = kind == (int)LayerKind.ReLU || kind == (int)LayerKind.LeakyReLU;
        ForChunks(count, ElementChunk, 16L * count, (i0, i1) =>
        {
            if (piecewise) i0 = PiecewiseForwardVectors(kind == (int)LayerKind.ReLU, slope, av, zv, i0, i1);
            for (int i = i0; i < i1; i++) zv[i] = ActivationMath.Forward(kind, slope, av[i]);
        });
    }

    /// <summary>
    /// ReLU / leaky ReLU forward over whole vectors of [i0, i1): a &gt; 0 ? a : slope a, as
    /// <see cref="ActivationMath.Forward"/> (NaN and -0 go to the second branch there too; ReLU's is the constant 0,
    /// chosen by the layer kind: a leaky ReLU of slope 0 still computes 0 * a, so NaN stays NaN as in the kernel).
    /// Returns where the scalar tail starts.
    /// </summary>
    private static int PiecewiseForwardVectors(bool relu, float slope, float[] av, float[] zv, int i0, int i1)
    {
        int width = Vector<float>.Count, i = i0;
        ref float ar = ref MemoryMarshal.GetArrayDataReference(av);
        ref float zr = ref MemoryMarshal.GetArrayDataReference(zv);
        var s = new Vector<float>(slope);
        for (; i <= i1 - width; i += width)
        {
            var a = Vector.LoadUnsafe(ref ar, (nuint)i);
            var negative = relu ? Vector<float>.Zero : s * a;
            Vector.ConditionalSelect(Vector.GreaterThan(a, Vector<float>.Zero), a, negative).StoreUnsafe(ref zr, (nuint)i);
        }
        return i;
    }

    public override void Backward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, DeviceBuffer bz, DeviceBuffer ba, int count, int channels, int packedModes)
    {
        float[] av = A(a), zs = A(z), zv = A(bz), outv = A(ba);
        int kind = (int)layer.Kind;
        float slope = layer.Slope;
        bool smooth = kind == (int)LayerKind.Tanh || kind == (int)LayerKind.Sigmoid;
        bool piecewise = kind == (int)LayerKind.ReLU || kind == (int)LayerKind.LeakyReLU;
        ForChunks(count, ElementChunk, 4L * channels * count, (i0, i1) =>
        {
            // tanh / sigmoid: derivatives from the stored output z only, so whole vectors at a time
            // (same operations in the same order as ActivationMath.Derivatives: identical results).
            if (smooth) i0 = SmoothBackwardVectors(kind == (int)LayerKind.Tanh, zs, zv, outv, count, channels, packedModes, i0, i1);
            if (piecewise) i0 = PiecewiseBackwardVectors(kind == (int)LayerKind.ReLU ? 0f : slope, av, zv, outv, count, channels, packedModes, i0, i1);
            for (int i = i0; i < i1; i++)
            {
                ActivationMath.Derivatives(kind, slope, av[i], zs[i], out float d1, out float d2);
                float g = zv[i];
                outv[i] = d1 * g;
                float residual = d2 * g, d1Sq = d1 * d1;
                for (int c = 1; c < channels; c++)
                {
                    float d = d1Sq * zv[c * count + i];
                    if (Channels.KeepsResidual(Channels.ModeOf(packedModes, c))) d += residual;
                    outv[c * count + i] = d;
                }
            }
        });
    }

    /// <summary>Vector part of the tanh / sigmoid backward over [i0, i1); returns where the scalar tail starts.</summary>
    private static int SmoothBackwardVectors(bool tanh, float[] zs, float[] bz, float[] ba, int count, int channels, int packedModes, int i0, int i1)
    {
        int width = Vector<float>.Count, i = i0;
        ref float zr = ref MemoryMarshal.GetArrayDataReference(zs);
        ref float br = ref MemoryMarshal.GetArrayDataReference(bz);
        ref float or = ref MemoryMarshal.GetArrayDataReference(ba);
        var one = Vector<float>.One;
        var two = new Vector<float>(2f);
        for (; i <= i1 - width; i += width)
        {
            var z = Vector.LoadUnsafe(ref zr, (nuint)i);
            Vector<float> d1, d2;
            if (tanh)
            {
                d1 = one - z * z;
                d2 = -two * z * d1;
            }
            else
            {
                d1 = z * (one - z);
                d2 = d1 * (one - two * z);
            }
            StoreChannels(ref br, ref or, i, count, channels, packedModes, d1, d2);
        }
        return i;
    }

    /// <summary>
    /// ReLU (slope 0) / leaky ReLU backward over whole vectors of [i0, i1): d1 = a &gt; 0 ? 1 : slope, d2 = 0, then the
    /// operations of the scalar loop in its order (0 g kept as the residual: NaN and infinities propagate alike).
    /// Returns where the scalar tail starts.
    /// </summary>
    private static int PiecewiseBackwardVectors(float slope, float[] av, float[] bz, float[] ba, int count, int channels, int packedModes, int i0, int i1)
    {
        int width = Vector<float>.Count, i = i0;
        ref float ar = ref MemoryMarshal.GetArrayDataReference(av);
        ref float br = ref MemoryMarshal.GetArrayDataReference(bz);
        ref float or = ref MemoryMarshal.GetArrayDataReference(ba);
        var s = new Vector<float>(slope);
        for (; i <= i1 - width; i += width)
        {
            var d1 = Vector.ConditionalSelect(Vector.GreaterThan(Vector.LoadUnsafe(ref ar, (nuint)i), Vector<float>.Zero), Vector<float>.One, s);
            StoreChannels(ref br, ref or, i, count, channels, packedModes, d1, Vector<float>.Zero);
        }
        return i;
    }

    /// <summary>
    /// One vector of the backward stack at i (channel c at c * count + i): the gradient channel d1 g, each curvature channel
    /// d1^2 B_c, plus the residual d2 g where its mode keeps it, as the scalar loop does.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreChannels(ref float br, ref float or, int i, int count, int channels, int packedModes, Vector<float> d1, Vector<float> d2)
    {
        var g = Vector.LoadUnsafe(ref br, (nuint)i);
        (d1 * g).StoreUnsafe(ref or, (nuint)i);
        var residual = d2 * g;
        var d1Sq = d1 * d1;
        for (int c = 1; c < channels; c++)
        {
            nuint at = (nuint)(c * count + i);
            var d = d1Sq * Vector.LoadUnsafe(ref br, at);
            if (Channels.KeepsResidual(Channels.ModeOf(packedModes, c))) d += residual;
            d.StoreUnsafe(ref or, at);
        }
    }

    public override void ColumnsThrough(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer sz, DeviceBuffer sa, DeviceBuffer signs,
        int columns, bool residual, int n, int width)
    {
        float[] av = A(a), gv = A(g), zv = A(sz), outv = A(sa), sg = A(signs);
        int kind = (int)layer.Kind, plane = n * width;
        ScaleColumns(FirstDerivatives(kind, layer.Slope, av, plane), zv, outv, columns, plane);
        if (!residual) return;
        Array.Clear(outv, columns * plane, width * plane);
        for (int e = 0; e < plane; e++)
        {
            CurvatureDerivatives.At(kind, layer.Slope, av[e], out float _, out float d2);
            int sample = e / width, j = e - sample * width, r = columns + j;
            float value = d2 * gv[e];
            outv[r * plane + e] = MathF.Sqrt(MathF.Abs(value));
            sg[r * n + sample] = value < 0f ? -1f : 1f;
        }
    }

    public override void RForward(LayerSpec layer, DeviceBuffer a, DeviceBuffer ra, DeviceBuffer rz, int columns, int count)
    {
        float[] av = A(a), rav = A(ra), rzv = A(rz);
        ScaleColumns(FirstDerivatives((int)layer.Kind, layer.Slope, av, count), rav, rzv, columns, count);
    }

    [ThreadStatic] private static float[]? t_derivatives;

    /// <summary>d1 of every element of a[..count] (scratch, valid until the next call on this thread).</summary>
    private static ReadOnlySpan<float> FirstDerivatives(int kind, float slope, float[] a, int count)
    {
        if (t_derivatives is null || t_derivatives.Length < count) t_derivatives = new float[count];
        for (int e = 0; e < count; e++)
        {
            CurvatureDerivatives.At(kind, slope, a[e], out float d1, out float _);
            t_derivatives[e] = d1;
        }
        return t_derivatives.AsSpan(0, count);
    }

    /// <summary>dst[r, e] = d1[e] src[r, e] for every column r of (columns, plane): one vector pass per column
    /// (the element-outer loop it replaced strode by plane; 15% of a 3c3d GGN pass). The same products.</summary>
    private static void ScaleColumns(ReadOnlySpan<float> d1, float[] src, float[] dst, int columns, int plane)
    {
        for (int r = 0; r < columns; r++) TensorPrimitives.Multiply(d1, src.AsSpan(r * plane, plane), dst.AsSpan(r * plane, plane));
    }

    public override void RBackward(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer ra, DeviceBuffer rgz, DeviceBuffer rga, int columns, int count)
    {
        float[] av = A(a), gv = A(g), rav = A(ra), rgzv = A(rgz), rgav = A(rga);
        for (int e = 0; e < count; e++)
        {
            CurvatureDerivatives.At((int)layer.Kind, layer.Slope, av[e], out float d1, out float d2);
            float curvature = gv[e] * d2;
            for (int r = 0; r < columns; r++)
            {
                int idx = r * count + e;
                rgav[idx] = rgzv[idx] * d1 + curvature * rav[idx];
            }
        }
    }
}
