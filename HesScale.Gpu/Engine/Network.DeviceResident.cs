using HesScale.Gpu.Devices;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using ILGPU;

namespace HesScale.Gpu.Engine;

/// <summary>
/// Device-resident passes for GPU-bound applications: inputs and targets are ILGPU views on this
/// network's accelerator (see <see cref="ComputeDevice.FromAccelerator"/>), results are read as
/// views (<see cref="BackwardResult.GradientView"/>), and nothing waits for the device until the
/// caller reads the loss or a host array. Every operation is queued on the accelerator's
/// <c>DefaultStream</c>, in call order with the application's own work on that stream.
/// The native <c>cpu</c> device has no accelerator: these overloads throw
/// <see cref="NotSupportedException"/> there.
/// </summary>
public sealed partial class Network
{
    /// <summary>Passes started on this network (Forward, Backward, estimator passes): per-pass device values last until the next.</summary>
    private int _passes;

    /// <summary>
    /// Cross-entropy loss, gradients and the requested curvature diagonals for a batch held on the
    /// device: <paramref name="inputs"/> (batch x input width, row-major) and <paramref name="targets"/>
    /// (one class index in [0, K) per sample), both on this network's accelerator. Inputs are copied
    /// device to device into the network's workspace, so the caller may overwrite them afterwards.
    /// Values are not checked on the device: a non-finite input or a class outside [0, K) shows
    /// as a non-finite loss, reported when <see cref="BackwardResult.Loss"/> is read.
    /// </summary>
    public BackwardResult Backward(ArrayView<float> inputs, int batch, ArrayView<int> targets, LossSpec loss, params ReadOnlySpan<CurvatureMethod> methods)
    {
        using var _ = _use.Enter();
        var device = IlgpuDevice();
        CheckDeviceInputs(device, inputs, batch);
        if (loss.Kind != LossKind.CrossEntropy)
            throw new ArgumentException($"Class-index targets (ArrayView<int>) are for cross-entropy; {loss} takes {batch} x {Spec.OutputSize} float targets (ArrayView<float>).", nameof(targets));
        device.CheckView(targets, batch, "targets (one class index per sample)", nameof(targets));
        var singles = CheckMethods(methods);
        int channels = 1 + singles.Length, packed = Channels.Pack(singles);
        var ws = StartDevicePass(device, inputs, batch, channels);
        device.LossBackwardClasses(loss, ws.Values[^1], targets, ws.Stacks[^1], ws.LossPerSample, batch, Spec.OutputSize, channels, packed);
        RunBackward(ws, batch, channels, packed);
        return new BackwardResult(this, _version, _passes, batch, singles);
    }

    /// <summary>
    /// As <see cref="Backward(ArrayView{float}, int, ArrayView{int}, LossSpec, ReadOnlySpan{CurvatureMethod})"/> for
    /// the mean squared error: <paramref name="targets"/> is batch x output width, row-major.
    /// </summary>
    public BackwardResult Backward(ArrayView<float> inputs, int batch, ArrayView<float> targets, LossSpec loss, params ReadOnlySpan<CurvatureMethod> methods)
    {
        using var _ = _use.Enter();
        var device = IlgpuDevice();
        CheckDeviceInputs(device, inputs, batch);
        int k = Spec.OutputSize;
        if (loss.Kind != LossKind.MeanSquaredError)
            throw new ArgumentException($"Float targets (ArrayView<float>) are for the mean squared error; {loss} takes one class index per sample (ArrayView<int>).", nameof(targets));
        device.CheckView(targets, (long)batch * k, $"targets ({batch} x {k} values)", nameof(targets));
        var singles = CheckMethods(methods);
        int channels = 1 + singles.Length, packed = Channels.Pack(singles);
        var ws = StartDevicePass(device, inputs, batch, channels);
        device.CopyFromView(targets, ws.Targets);
        _backend.LossBackward(loss, ws.Values[^1], ws.Targets, ws.Stacks[^1], ws.LossPerSample, batch, k, channels, packed);
        RunBackward(ws, batch, channels, packed);
        return new BackwardResult(this, _version, _passes, batch, singles);
    }

    /// <summary>
    /// Network outputs (batch x K, row-major) for inputs held on the device, as a view of the
    /// network's output buffer: no copy, no host wait; valid until the next pass on this network.
    /// </summary>
    public ArrayView<float> Forward(ArrayView<float> inputs, int batch)
    {
        using var _ = _use.Enter();
        var device = IlgpuDevice();
        CheckDeviceInputs(device, inputs, batch);
        var ws = StartDevicePass(device, inputs, batch, 1);
        return IlgpuBackend.ViewOf(ws.Values[^1], 0, batch * Spec.OutputSize);
    }

    private IlgpuBackend IlgpuDevice()
    {
        ThrowIfDisposed();
        return _backend as IlgpuBackend ?? throw new NotSupportedException(
            $"Device-resident passes and views need an ILGPU device (cuda, opencl, ilgpu-cpu, or ComputeDevice.FromAccelerator); {Device.Name} is the native CPU path: use the host-array overloads there.");
    }

    private void CheckDeviceInputs(IlgpuBackend device, ArrayView<float> inputs, int batch)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Batch size must be at least 1.");
        device.CheckView(inputs, (long)batch * Spec.InputSize, $"inputs ({batch} x {Spec.InputSize} values)", nameof(inputs));
    }

    /// <summary>Copies the inputs into the workspace and queues the forward pass; from here earlier results are stale.</summary>
    private Workspace StartDevicePass(IlgpuBackend device, ArrayView<float> inputs, int batch, int channels)
    {
        var ws = Prepare(batch, channels);
        _version++;
        device.CopyFromView(inputs, ws.Input);
        RunForward(ws, batch);
        return ws;
    }

    /// <summary>Sums the per-sample loss shares of the last pass in double on the host (waits for the device).</summary>
    private float SumLossShares(Workspace ws, int batch)
    {
        var perSample = ws.LossScratch.AsSpan(0, batch);
        ws.LossPerSample.Download(perSample);
        double total = 0;
        foreach (float v in perSample) total += v;
        if (!double.IsFinite(total))
            throw new NonFiniteValueException($"The loss is {total}: the parameters or inputs have diverged (device {Device.Name}).");
        return (float)total;
    }

    /// <summary>The loss of pass <paramref name="pass"/>, if no later pass has overwritten its shares.</summary>
    internal float ReadLoss(int pass, int batch)
    {
        using var _ = _use.Enter();
        ThrowIfDisposed();
        if (pass != _passes)
            throw new InvalidOperationException("The loss of this BackwardResult was not read before the next pass on the same network; read result.Loss (or use LossSharesView) before the next pass.");
        return SumLossShares(_workspace!, batch);
    }

    /// <summary>Channel <paramref name="channel"/> of parameter <paramref name="index"/>'s stack as a view (no copy).</summary>
    internal ArrayView<float> ParameterStackView(int version, int index, int channel)
    {
        using var _ = _use.Enter();
        IlgpuDevice();
        if (version != _version)
            throw new InvalidOperationException("This BackwardResult was superseded by a later pass or parameter change on the same network; take views before the next call.");
        var p = ParameterAt(index);
        return IlgpuBackend.ViewOf(_workspace!.ParameterStacks[index], channel * p.Length, p.Length);
    }

    /// <summary>The per-sample loss shares (N) of pass <paramref name="pass"/> as a view.</summary>
    internal ArrayView<float> LossSharesView(int pass, int batch)
    {
        using var _ = _use.Enter();
        IlgpuDevice();
        if (pass != _passes)
            throw new InvalidOperationException("The loss shares of this BackwardResult were overwritten by a later pass on the same network.");
        return IlgpuBackend.ViewOf(_workspace!.LossPerSample, 0, batch);
    }
}
