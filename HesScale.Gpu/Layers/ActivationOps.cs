using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Native;

namespace HesScale.Gpu.Layers;

/// <summary>
/// The activations' backend operations (<see cref="ActivationLayer"/> calls them): z = s(a) elementwise,
/// s, s', s'' from <see cref="ActivationMath"/>. One object per backend through <see cref="Backend.LayerOps"/>
/// (<see cref="Of"/>): <see cref="IlgpuActivationOps"/> beside the kernels and <see cref="NativeActivationOps"/>.
/// </summary>
internal abstract class ActivationOps
{
    /// <summary>This backend's activation operations, created on first use.</summary>
    public static ActivationOps Of(Backend backend) => backend.LayerOps(Create);

    private static ActivationOps Create(Backend backend) => backend switch
    {
        Devices.IlgpuBackend ilgpu => new IlgpuActivationOps(ilgpu),
        NativeBackend native => new NativeActivationOps(native),
        _ => throw new NotSupportedException($"No activation operations for backend {backend.Name}."),
    };

    /// <summary>z = s(a) elementwise over <paramref name="count"/> values.</summary>
    public abstract void Forward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, int count);

    /// <summary>Channel stack through an activation: bz (C, N, w) to ba (C, N, w); count = N w; z = s(a) as stored by the forward pass.</summary>
    public abstract void Backward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, DeviceBuffer bz, DeviceBuffer ba, int count, int channels, int packedModes);

    /// <summary>Sa = s'(a) Sz, plus <paramref name="width"/> residual columns when <paramref name="residual"/>.</summary>
    public abstract void ColumnsThrough(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer sz, DeviceBuffer sa, DeviceBuffer signs,
        int columns, bool residual, int n, int width);

    /// <summary>R{z} = s'(a) R{a} over R planes of <paramref name="count"/> values.</summary>
    public abstract void RForward(LayerSpec layer, DeviceBuffer a, DeviceBuffer ra, DeviceBuffer rz, int columns, int count);

    /// <summary>R{g_a} = R{g_z} s'(a) + g_z s''(a) R{a}.</summary>
    public abstract void RBackward(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer ra, DeviceBuffer rgz, DeviceBuffer rga, int columns, int count);
}
