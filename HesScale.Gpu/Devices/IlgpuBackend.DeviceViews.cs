using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Devices;

/// <summary>
/// Device-resident passes: the application's views in, views of this backend's buffers out.
/// Everything here is queued on the accelerator's default stream and never waits for it.
/// </summary>
internal sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int, float, int>? _lossBackwardClasses;

    /// <summary>The accelerator every buffer and kernel of this backend lives on.</summary>
    public Accelerator Accelerator => _accelerator;

    /// <summary>The first <paramref name="length"/> floats of <paramref name="buffer"/> from <paramref name="offset"/>, without a copy.</summary>
    public static ArrayView<float> ViewOf(DeviceBuffer buffer, int offset, int length) => V(buffer).SubView(offset, length);

    /// <summary>
    /// Throws unless <paramref name="view"/> is a valid view of exactly <paramref name="length"/>
    /// elements on this backend's accelerator; <paramref name="what"/> says what it should hold.
    /// </summary>
    public void CheckView<T>(ArrayView<T> view, long length, string what, string paramName)
        where T : unmanaged
    {
        if (!view.IsValid)
            throw new ArgumentException($"{what}: the view is not valid (a default ArrayView?); expected {length} elements on {Name}.", paramName);
        var owner = view.GetAccelerator();
        if (!ReferenceEquals(owner, _accelerator))
            throw new ArgumentException($"{what}: the view lives on another accelerator ({owner.Name}, {owner.AcceleratorType}) than this network's ({Name}).", paramName);
        if (view.Length != length)
            throw new ArgumentException($"{what}: expected {length} elements, got a view of {view.Length}.", paramName);
    }

    /// <summary>target[0 .. source.Length) = source, a device-to-device copy queued on the default stream.</summary>
    public void CopyFromView(ArrayView<float> source, DeviceBuffer target) => source.CopyTo(V(target).SubView(0, source.Length));

    /// <summary>
    /// <see cref="Backend.LossBackward"/> for cross-entropy with class indices (N) read from an
    /// application's int view; an index outside [0, K) gives a NaN loss share and NaN channels
    /// for that sample (the device cannot throw).
    /// </summary>
    public void LossBackwardClasses(LossSpec loss, DeviceBuffer y, ArrayView<int> classes, DeviceBuffer b, DeviceBuffer lossPerSample,
        int n, int k, int channels, int packedModes)
    {
        _lossBackwardClasses ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int, int, float, int>(LossKernels.BackwardClasses);
        _lossBackwardClasses(Config(n), V(y), classes, V(b), V(lossPerSample), n, k, channels, 1f / loss.Divisor(n, k), packedModes);
    }
}
