using ILGPU;

namespace HesScale.Gpu.Engine;

/// <summary>
/// What one <c>Network.Backward</c> or <c>CurvatureEstimator.Estimate</c> call computed: the loss,
/// the gradient and a diagonal per computed method (<see cref="Methods"/>) and parameter tensor.
/// The arrays stay on the device until read; reading copies one tensor to the host
/// (<see cref="Gradient"/>, <see cref="Curvature"/>) or into a span of yours
/// (<see cref="CopyGradient"/>, <see cref="CopyCurvature"/>: no allocation). Valid until the next
/// pass on the same network (or the next Estimate on the same estimator), and only while it is
/// not disposed (copy what you keep to the host first).
/// On an ILGPU device the same tensors are also available as views of the network's buffers
/// (<see cref="GradientView"/>, <see cref="CurvatureView"/>, <see cref="LossSharesView"/>): no copy,
/// no host wait; their contents are this pass's until the next pass on the network overwrites
/// them, and the memory is the network's (freed when it is disposed or a larger batch or more
/// methods make it allocate a bigger workspace).
/// </summary>
public sealed class BackwardResult
{
    private readonly Network _network;
    private readonly int _version;
    private readonly int _pass;
    private readonly CurvatureMethod[] _channels;
    private readonly bool _lossSharesOnDevice;
    private readonly Curvature.CurvatureEstimator? _estimator; // set for an estimator's result
    private readonly int _networkVersion;
    private float? _loss;

    /// <summary>
    /// A result whose loss the pass has already read to the host; <paramref name="lossSharesOnDevice"/>
    /// is false when the loss was computed on the host (<see cref="IOutputLoss"/>).
    /// </summary>
    internal BackwardResult(Network network, int version, int pass, float loss, int batch, CurvatureMethod[] channels, bool lossSharesOnDevice)
        : this(network, version, pass, batch, channels)
    {
        _loss = loss;
        _lossSharesOnDevice = lossSharesOnDevice;
    }

    /// <summary>A device-resident result: the loss is summed on the host when <see cref="Loss"/> is first read.</summary>
    internal BackwardResult(Network network, int version, int pass, int batch, CurvatureMethod[] channels)
    {
        _network = network;
        _version = version;
        _pass = pass;
        Batch = batch;
        _channels = channels;
        _lossSharesOnDevice = true;
    }

    /// <summary>An estimator's result: its own buffers hold the gradient and the one method's diagonal.</summary>
    internal BackwardResult(Curvature.CurvatureEstimator estimator, int version, CurvatureMethod method, float loss, int batch, int samples)
    {
        _estimator = estimator;
        _network = estimator.Network;
        _networkVersion = _network.Version;
        _version = version;
        _channels = [method];
        _loss = loss;
        Batch = batch;
        Samples = samples;
    }

    /// <summary>
    /// The reduced loss (mean or sum as the loss spec says). After a device-resident pass
    /// (the <see cref="ArrayView{T}"/> overloads of <c>Network.Backward</c>) the first read waits
    /// for the device and copies the per-sample shares; it must come before the next pass on the
    /// network (an optimizer step in between is fine) and throws
    /// <see cref="NonFiniteValueException"/> when the loss is not finite.
    /// </summary>
    public float Loss => _loss ??= _network.ReadLoss(_pass, Batch);

    /// <summary>The batch size of the pass.</summary>
    public int Batch { get; }

    /// <summary>Random samples averaged by a stochastic estimator (1 for deterministic methods and fused passes).</summary>
    public int Samples { get; } = 1;

    /// <summary>Whether a <c>CurvatureEstimator</c> computed this result (its buffers, not the network's).</summary>
    public bool IsEstimate => _estimator is not null;
    /// <summary>The curvature methods that were computed, in channel order (empty for a gradient-only pass).</summary>
    public IReadOnlyList<CurvatureMethod> Methods => _channels;

    /// <summary>dL/dtheta for parameter tensor <paramref name="parameter"/>, same layout as the parameter.</summary>
    public float[] Gradient(int parameter)
    {
        var result = new float[Length(parameter)];
        CopyGradient(parameter, result);
        return result;
    }

    /// <summary>Copies dL/dtheta of parameter tensor <paramref name="parameter"/> into <paramref name="destination"/> (its length exactly).</summary>
    public void CopyGradient(int parameter, Span<float> destination)
    {
        if (_estimator is null) _network.CopyParameterStack(_version, parameter, 0, destination);
        else _estimator.CopyResult(_version, parameter, diagonal: false, destination);
    }

    /// <summary>The diagonal of the one method this result computed (estimates, single-method passes), for parameter tensor <paramref name="parameter"/>.</summary>
    public float[] Diagonal(int parameter) => _channels.Length == 1
        ? Curvature(_channels[0], parameter)
        : throw new InvalidOperationException($"This result holds {_channels.Length} methods ({Requested}); name one: Curvature(method, parameter).");

    private int Length(int parameter) => (uint)parameter < (uint)_network.Spec.Parameters.Count
        ? _network.Spec.Parameters[parameter].Length
        : throw new ArgumentOutOfRangeException(nameof(parameter), parameter, $"The network has {_network.Spec.Parameters.Count} parameter tensors.");

    /// <summary>
    /// dL/dtheta for parameter tensor <paramref name="parameter"/> as a view of the network's device
    /// buffer (tensor-length, same layout as the parameter): no copy. ILGPU devices only
    /// (<see cref="NotSupportedException"/> on the native <c>cpu</c> device).
    /// </summary>
    public ArrayView<float> GradientView(int parameter) => _estimator is null
        ? _network.ParameterStackView(_version, parameter, 0)
        : _estimator.ResultView(_version, parameter, diagonal: false);

    /// <summary>Channel of <paramref name="single"/> in <see cref="Network.ResultStack"/>; -1 when not requested.</summary>
    internal int ChannelOf(CurvatureMethod single)
    {
        int index = Array.IndexOf(_channels, single);
        return index < 0 ? -1 : index + 1;
    }

    internal Network Network => _network;

    private string Requested => _channels.Length == 0 ? "none" : string.Join(", ", _channels.Select(m => m.Id));

    /// <summary>The estimator that computed this result (null for <c>Network.Backward</c>).</summary>
    internal Curvature.CurvatureEstimator? Estimator => _estimator;

    /// <summary>An estimate's gradient or diagonal buffer of parameter <paramref name="parameter"/>; throws when superseded.</summary>
    internal Engine.DeviceBuffer EstimateBuffer(int parameter, bool diagonal) =>
        _estimator!.ResultBuffer(_version, parameter, diagonal);

    /// <summary>Throws unless the estimator has not estimated again and the network's parameters have not changed since.</summary>
    internal void EnsureCurrentForStep()
    {
        _estimator!.EnsureCurrent(_version);
        if (_network.Version != _networkVersion)
            throw new InvalidOperationException("This estimate was taken before the network's parameters changed (another step, SetParameter or pass); estimate again.");
    }

    /// <summary>Throws unless this is the network's latest pass.</summary>
    internal void EnsureCurrent()
    {
        if (_network.Version != _version)
            throw new InvalidOperationException("This BackwardResult was superseded by a later pass or parameter change on the same network.");
    }

    /// <summary>The diagonal estimate of one requested method for parameter tensor <paramref name="parameter"/>.</summary>
    public float[] Curvature(CurvatureMethod single, int parameter)
    {
        int channel = RequestedChannel(single);
        var result = new float[Length(parameter)];
        CopyChannel(channel, parameter, result);
        return result;
    }

    /// <summary>Copies the diagonal of <paramref name="single"/> for parameter tensor <paramref name="parameter"/> into <paramref name="destination"/> (its length exactly).</summary>
    public void CopyCurvature(CurvatureMethod single, int parameter, Span<float> destination) =>
        CopyChannel(RequestedChannel(single), parameter, destination);

    private void CopyChannel(int channel, int parameter, Span<float> destination)
    {
        if (_estimator is null) _network.CopyParameterStack(_version, parameter, channel, destination);
        else _estimator.CopyResult(_version, parameter, diagonal: true, destination);
    }

    /// <summary>
    /// The diagonal estimate of one requested method for parameter tensor <paramref name="parameter"/>
    /// as a view of the network's device buffer: no copy. ILGPU devices only.
    /// </summary>
    public ArrayView<float> CurvatureView(CurvatureMethod single, int parameter)
    {
        int channel = RequestedChannel(single);
        return _estimator is null
            ? _network.ParameterStackView(_version, parameter, channel)
            : _estimator.ResultView(_version, parameter, diagonal: true);
    }

    /// <summary>
    /// The per-sample loss shares (N), already divided as the reduction says (their sum is
    /// <see cref="Loss"/>), as a view of the network's device buffer: reduce or log them on the
    /// device without a host wait. ILGPU devices only; readable until the next pass on the network.
    /// </summary>
    public ArrayView<float> LossSharesView => _lossSharesOnDevice && _estimator is null
        ? _network.LossSharesView(_pass, Batch)
        : throw new InvalidOperationException("This pass's loss was computed on the host by an IOutputLoss: there are no per-sample loss shares on the device.");

    private int RequestedChannel(CurvatureMethod single)
    {
        int channel = ChannelOf(single);
        if (channel < 0)
        {
            ArgumentNullException.ThrowIfNull(single);
            throw new InvalidOperationException(single.IsFused
                ? $"{single.Id} was not computed by this call (computed: {Requested})."
                : $"'{single.Id}' is not a fused method: Network.Backward does not compute it (use a CurvatureEstimator).");
        }
        return channel;
    }
}
