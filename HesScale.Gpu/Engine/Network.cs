using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Layers;

namespace HesScale.Gpu.Engine;

/// <summary>
/// A multilayer perceptron living on a <see cref="ComputeDevice"/>: its parameters, and workspaces
/// for batched passes that are allocated on first use and reused while the batch size and the
/// number of requested methods do not grow. One <c>Backward</c> call runs the forward pass,
/// the loss and a single fused backward traversal that carries the gradient and every requested
/// curvature diagonal side by side. Not thread-safe: a call while another thread is inside one
/// throws <see cref="InvalidOperationException"/> (see <see cref="ExclusiveUse"/>).
/// </summary>
public sealed partial class Network : IDisposable
{
    private readonly Backend _backend;
    private readonly DeviceBuffer[] _parameters;
    private Workspace? _workspace;
    private int _version;
    private bool _disposed;
    private readonly ExclusiveUse _use = new("This Network");

    /// <summary>
    /// A network of <paramref name="spec"/> on <paramref name="device"/> with <paramref name="parameters"/> (one array
    /// per tensor of <see cref="NetworkSpec.Parameters"/>, finite, copied) or PyTorch's initialisation seeded by <paramref name="seed"/>.
    /// </summary>
    public Network(ComputeDevice device, NetworkSpec spec, IReadOnlyList<float[]>? parameters = null, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(spec);
        Device = device;
        Spec = spec;
        _backend = device.Backend;
        var initial = parameters ?? spec.InitialParameters(seed);
        if (initial.Count != spec.Parameters.Count)
            throw new ArgumentException($"Expected {spec.Parameters.Count} parameter tensors for {spec}, got {initial.Count}.", nameof(parameters));
        _parameters = new DeviceBuffer[spec.Parameters.Count];
        try
        {
            foreach (var p in spec.Parameters)
            {
                CheckParameter(p, initial[p.Index], nameof(parameters));
                _parameters[p.Index] = _backend.Allocate(p.Length);
                _parameters[p.Index].Upload(initial[p.Index]);
            }
        }
        catch
        {
            foreach (var b in _parameters) b?.Dispose();
            throw;
        }
    }

    /// <summary>The layers and parameter tensors.</summary>
    public NetworkSpec Spec { get; }
    /// <summary>The device the parameters and passes live on.</summary>
    public ComputeDevice Device { get; }

    private static void CheckParameter(ParameterInfo p, ReadOnlySpan<float> values, string paramName)
    {
        if (values.Length != p.Length)
            throw new ArgumentException($"Layer {p.LayerIndex} {p.Name}: expected {p.Rows} x {p.Cols} = {p.Length} values, got {values.Length}.", paramName);
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"Layer {p.LayerIndex} {p.Name}[{i / p.Cols}, {i % p.Cols}] is {values[i]} (not finite).", paramName);
        }
    }

    /// <summary>Copies parameter tensor <paramref name="index"/> (see <see cref="NetworkSpec.Parameters"/>) to the host.</summary>
    public float[] GetParameter(int index)
    {
        using var _ = _use.Enter();
        ThrowIfDisposed();
        var p = ParameterAt(index);
        var result = new float[p.Length];
        _parameters[index].Download(result);
        return result;
    }

    /// <summary>Replaces parameter tensor <paramref name="index"/> (finite values, the tensor's length); earlier results become stale.</summary>
    public void SetParameter(int index, ReadOnlySpan<float> values)
    {
        using var _ = _use.Enter();
        ThrowIfDisposed();
        var p = ParameterAt(index);
        CheckParameter(p, values, nameof(values));
        _parameters[index].Upload(values);
        _version++;
    }

    private ParameterInfo ParameterAt(int index) => (uint)index < (uint)Spec.Parameters.Count
        ? Spec.Parameters[index]
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"The network has {Spec.Parameters.Count} parameter tensors.");

    /// <summary>Network outputs (N x K row-major) for a batch of inputs (N x in row-major).</summary>
    public float[] Forward(ReadOnlySpan<float> inputs, int batch)
    {
        using var _ = _use.Enter();
        ThrowIfDisposed();
        CheckInputs(inputs, batch);
        var ws = Prepare(batch, 1);
        _version++; // the workspace is reused: earlier results are no longer readable
        ws.Input.Upload(inputs);
        RunForward(ws, batch);
        var outputs = new float[batch * Spec.OutputSize];
        ws.Values[^1].Download(outputs);
        return outputs;
    }

    /// <summary>
    /// Loss, gradients and the requested curvature diagonals for one batch, computed on the
    /// device in one forward and one fused backward traversal. The result reads from this
    /// network's buffers and is valid until the next pass or parameter change.
    /// </summary>
    public BackwardResult Backward(ReadOnlySpan<float> inputs, int batch, Targets targets, LossSpec loss, params ReadOnlySpan<CurvatureMethod> methods)
    {
        using var _ = _use.Enter();
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(targets);
        CheckInputs(inputs, batch);
        var singles = CheckMethods(methods);
        int k = Spec.OutputSize;
        targets.Validate(loss, batch, k);

        int channels = 1 + singles.Length;
        int packed = Channels.Pack(singles);
        var ws = Prepare(batch, channels);
        _version++; // from here the workspace changes: earlier results are stale even if this pass fails

        ws.Input.Upload(inputs);
        if (loss.Kind == LossKind.CrossEntropy)
        {
            var t = ws.TargetScratch;
            for (int s = 0; s < batch; s++) t[s] = targets.Classes![s];
            ws.Targets.Upload(t.AsSpan(0, batch));
        }
        else
        {
            ws.Targets.Upload(targets.Values);
        }

        RunForward(ws, batch);
        _backend.LossBackward(loss, ws.Values[^1], ws.Targets, ws.Stacks[^1], ws.LossPerSample, batch, k, channels, packed);
        RunBackward(ws, batch, channels, packed);

        float total = SumLossShares(ws, batch); // waits for the device
        return new BackwardResult(this, _version, _passes, total, batch, singles, lossSharesOnDevice: true);
    }

    /// <summary>
    /// Like <see cref="Backward(ReadOnlySpan{float}, int, Targets, LossSpec, ReadOnlySpan{CurvatureMethod})"/> for a loss
    /// computed on the host: one forward pass, the outputs come to the host, <paramref name="loss"/>
    /// gives dL/dy and diag(d2L/dy2), and the fused backward traversal runs from there.
    /// </summary>
    public BackwardResult Backward(ReadOnlySpan<float> inputs, int batch, IOutputLoss loss, params ReadOnlySpan<CurvatureMethod> methods)
    {
        using var _ = _use.Enter();
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(loss);
        CheckInputs(inputs, batch);
        var singles = CheckMethods(methods);
        int k = Spec.OutputSize, channels = 1 + singles.Length, plane = batch * k;
        var ws = Prepare(batch, channels);
        _version++; // from here the workspace changes: earlier results are stale even if this pass fails
        ws.Input.Upload(inputs);
        RunForward(ws, batch);

        var outputs = new float[plane];
        var gradient = new float[plane];
        var diagonal = new float[plane];
        ws.Values[^1].Download(outputs);
        double value = loss.Evaluate(outputs, batch, k, gradient, diagonal);
        if (!double.IsFinite(value))
            throw new NonFiniteValueException($"The loss is {value}: the parameters or inputs have diverged (device {Device.Name}).");
        for (int i = 0; i < plane; i++)
        {
            if (!float.IsFinite(gradient[i]) || !float.IsFinite(diagonal[i]))
                throw new NonFiniteValueException($"The loss gave a non-finite derivative at output [{i / k}, {i % k}] (gradient {gradient[i]}, diagonal {diagonal[i]}).");
        }
        ws.Stacks[^1].Upload(gradient);
        for (int c = 1; c < channels; c++) ws.Stacks[^1].Upload(diagonal, c * plane);
        RunBackward(ws, batch, channels, Channels.Pack(singles));
        _backend.Synchronize();
        return new BackwardResult(this, _version, _passes, (float)value, batch, singles, lossSharesOnDevice: false);
    }

    /// <summary>The fused methods of a request in channel order (fused rows only, duplicates merged).</summary>
    private static CurvatureMethod[] CheckMethods(ReadOnlySpan<CurvatureMethod> methods) => CurvatureMethod.FusedSet(methods, nameof(methods));

    // ---- Device-side access for optimizers and curvature passes in this assembly. ----

    internal Backend Backend => _backend;

    /// <summary>Claims this network for the calling thread (optimizers and estimators working on its buffers).</summary>
    internal ExclusiveUse.Scope EnterExclusive() => _use.Enter();

    internal int Version
    {
        get
        {
            ThrowIfDisposed();
            return _version;
        }
    }

    /// <summary>Parameter tensor <paramref name="index"/> on the device (length of the tensor).</summary>
    internal DeviceBuffer ParameterBuffer(int index)
    {
        ThrowIfDisposed();
        return _parameters[ParameterAt(index).Index];
    }

    /// <summary>
    /// The last Backward's quantities for parameter <paramref name="index"/>: channel 0 the gradient,
    /// channel c the c-th requested method (see <see cref="BackwardResult.ChannelOf"/>), each tensor-length.
    /// </summary>
    internal DeviceBuffer ResultStack(int index) => _disposed ? throw new ObjectDisposedException(nameof(Network)) : (_workspace ?? throw new InvalidOperationException("No Backward call has run on this network yet.")).ParameterStacks[ParameterAt(index).Index];

    /// <summary>Marks device parameters as changed by an in-place update (earlier results become stale).</summary>
    internal void ParametersChanged() => _version++;

    private void CheckInputs(ReadOnlySpan<float> inputs, int batch)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Batch size must be at least 1.");
        int width = Spec.InputSize;
        long expected = (long)batch * width;
        if (inputs.Length != expected)
            throw new ArgumentException($"Expected {batch} x {width} = {expected} input values, got {inputs.Length}.", nameof(inputs));
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!float.IsFinite(inputs[i]))
                throw new ArgumentException($"Input [{i / width}, {i % width}] is {inputs[i]} (not finite).", nameof(inputs));
        }
    }

    /// <summary>The forward pass: each layer's output into ws.Values; a layer may run fused with the next one.</summary>
    private void RunForward(Workspace ws, int n)
    {
        var layers = Spec.LayerObjects;
        for (int l = 0; l < layers.Count; l++)
        {
            var layer = layers[l];
            var x = l == 0 ? ws.Input : ws.Values[l - 1];
            var p = TensorsOf(_parameters, layer);
            if (l + 1 < layers.Count && layer.TryForwardWith(layers[l + 1], _backend, x, ws.Values[l], ws.Values[l + 1], p, n))
                l++;
            else
                layer.Forward(_backend, x, ws.Values[l], p, n);
        }
    }

    /// <summary>The fused backward pass: the channel stack from the output back to layer 0, parameter stacks on the way.</summary>
    private void RunBackward(Workspace ws, int n, int channels, int packed)
    {
        var layers = Spec.LayerObjects;
        for (int l = layers.Count - 1; l >= 0; l--)
        {
            var layer = layers[l];
            var p = TensorsOf(_parameters, layer);
            var stacks = TensorsOf(ws.ParameterStacks, layer);
            // The layer and the one before it as a fused pair where it has one (as RunForward's TryForwardWith).
            if (l >= 1 && layer.TryBackwardWith(layers[l - 1], _backend, l == 1 ? ws.Input : ws.Values[l - 2], ws.Values[l - 1],
                    ws.Stacks[l], ws.Stacks[l - 1], l == 1 ? null : ws.Stacks[l - 2], p, stacks, n, channels, packed))
                l--;
            else
                layer.Backward(_backend, l == 0 ? ws.Input : ws.Values[l - 1], ws.Values[l], ws.Stacks[l], l == 0 ? null : ws.Stacks[l - 1],
                    p, stacks, n, channels, packed);
        }
    }

    /// <summary>The tensors of <paramref name="layer"/> in a per-parameter array of the network.</summary>
    internal static ReadOnlySpan<DeviceBuffer> TensorsOf(DeviceBuffer?[] all, Layer layer) =>
        all!.AsSpan(layer.FirstParameter, layer.Parameters.Count)!;

    /// <summary>Copies channel <paramref name="channel"/> of parameter <paramref name="index"/>'s stack into <paramref name="destination"/>.</summary>
    internal void CopyParameterStack(int version, int index, int channel, Span<float> destination)
    {
        using var _ = _use.Enter();
        ThrowIfDisposed();
        if (version != _version)
            throw new InvalidOperationException("This BackwardResult was superseded by a later pass or parameter change on the same network; read results before the next call.");
        var p = ParameterAt(index);
        CheckDestination(p, destination);
        _workspace!.ParameterStacks[index].Download(destination, channel * p.Length);
    }

    /// <summary>Throws unless <paramref name="destination"/> holds exactly one tensor of <paramref name="p"/>.</summary>
    internal static void CheckDestination(ParameterInfo p, Span<float> destination)
    {
        if (destination.Length != p.Length)
            throw new ArgumentException($"Layer {p.LayerIndex} {p.Name} has {p.Length} values; the destination holds {destination.Length}.", nameof(destination));
    }

    private Workspace Prepare(int batch, int channels)
    {
        _passes++; // every pass starts here: per-pass values of earlier results (the loss shares) are overwritten
        if (_workspace is { } ws && ws.Batch >= batch && ws.Channels >= channels) return ws;
        int newBatch = Math.Max(batch, _workspace?.Batch ?? 0);
        int newChannels = Math.Max(channels, _workspace?.Channels ?? 0);
        _workspace?.Dispose();
        _workspace = null;
        _workspace = new Workspace(_backend, Spec, newBatch, newChannels);
        return _workspace;
    }

    private void ThrowIfDisposed()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Both backends refuse alike (the native one could go on, ILGPU's buffers are gone).
        if (Device.IsDisposed)
            throw new ObjectDisposedException(nameof(ComputeDevice), $"The ComputeDevice '{Device.DisposedName}' was disposed before this Network; dispose networks, optimizers and estimators before their device.");
    }

    /// <summary>Releases the device buffers; safe to call after the device was disposed (its buffers went with it).</summary>
    public void Dispose()
    {
        using var _ = _use.Enter();
        if (_disposed) return;
        _workspace?.Dispose();
        foreach (var b in _parameters) b.Dispose();
        _disposed = true;
    }

    /// <summary>Per-pass device buffers sized for a batch capacity and channel capacity.</summary>
    private sealed class Workspace : IDisposable
    {
        public Workspace(Backend backend, NetworkSpec spec, int batch, int channels)
        {
            Batch = batch;
            Channels = channels;
            var all = new List<DeviceBuffer>();
            DeviceBuffer Alloc(int length)
            {
                var b = backend.Allocate(length);
                all.Add(b);
                return b;
            }
            // Every buffer is indexed with int: refuse sizes past 2^31 - 1 floats with a clear error.
            static int Size(long length, string what) => length <= int.MaxValue ? (int)length
                : throw new ArgumentOutOfRangeException(nameof(batch), $"The {what} would hold {length} floats, more than a buffer can index (2^31 - 1); use a smaller batch.");
            try
            {
                Input = Alloc(Size((long)batch * spec.InputSize, "input"));
                Values = spec.Widths.Select(w => Alloc(Size((long)batch * w, "layer output"))).ToArray();
                Stacks = spec.Widths.Select(w => Alloc(Size((long)channels * batch * w, "backward channel stack"))).ToArray();
                ParameterStacks = spec.Parameters.Select(p => Alloc(Size((long)channels * p.Length, "parameter quantity stack"))).ToArray();
                Targets = Alloc(Size((long)batch * spec.OutputSize, "target"));
                LossPerSample = Alloc(batch);
            }
            catch
            {
                foreach (var b in all) b.Dispose();
                throw;
            }
            _all = all;
            TargetScratch = new float[batch];
            LossScratch = new float[batch];
        }

        private readonly List<DeviceBuffer> _all;
        public int Batch { get; }
        public int Channels { get; }
        /// <summary>Network input (N, in).</summary>
        public DeviceBuffer Input { get; }
        /// <summary>Output of each layer l (N, Widths[l]); activations read their input from l - 1.</summary>
        public DeviceBuffer[] Values { get; }
        /// <summary>Backward channel stack at each layer output (C, N, Widths[l]).</summary>
        public DeviceBuffer[] Stacks { get; }
        /// <summary>Per parameter tensor: gradient and curvature diagonals (C, length).</summary>
        public DeviceBuffer[] ParameterStacks { get; }
        public DeviceBuffer Targets { get; }
        public DeviceBuffer LossPerSample { get; }
        public float[] TargetScratch { get; }
        public float[] LossScratch { get; }

        public void Dispose()
        {
            foreach (var b in _all) b.Dispose();
        }
    }
}
