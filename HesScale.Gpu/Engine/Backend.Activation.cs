namespace HesScale.Gpu.Engine;

/// <summary>
/// The activations' operations (<see cref="Layers.ActivationLayer"/> calls them): z = s(a) elementwise,
/// s, s', s'' from <see cref="Kernels.ActivationMath"/>. Implemented per backend in
/// <c>Devices/IlgpuBackend*.cs</c> and <c>Native/NativeBackend*.cs</c>.
/// </summary>
internal abstract partial class Backend
{
    /// <summary>z = s(a) elementwise over <paramref name="count"/> values.</summary>
    public abstract void ActivationForward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, int count);

    /// <summary>Channel stack through an activation: bz (C, N, w) to ba (C, N, w); count = N w; z = s(a) as stored by the forward pass.</summary>
    public abstract void ActivationBackward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, DeviceBuffer bz, DeviceBuffer ba, int count, int channels, int packedModes);

    /// <summary>Sa = s'(a) Sz, plus <paramref name="width"/> residual columns when <paramref name="residual"/>.</summary>
    public abstract void ColumnsThroughActivation(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer sz, DeviceBuffer sa, DeviceBuffer signs,
        int columns, bool residual, int n, int width);

    /// <summary>R{z} = s'(a) R{a} over R planes of <paramref name="count"/> values.</summary>
    public abstract void RForwardActivation(LayerSpec layer, DeviceBuffer a, DeviceBuffer ra, DeviceBuffer rz, int columns, int count);

    /// <summary>R{g_a} = R{g_z} s'(a) + g_z s''(a) R{a}.</summary>
    public abstract void RBackwardActivation(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer ra, DeviceBuffer rgz, DeviceBuffer rga, int columns, int count);
}
