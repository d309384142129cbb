using ILGPU;

namespace HesScale.Gpu;

/// <summary>
/// What one <c>Network.Backward</c> call computed. The arrays stay on the device until
/// read; reading copies one tensor to the host. Valid until the next pass on the same network,
/// and only while that network is not disposed (copy what you keep to the host first).
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

    /// <summary>
    /// The reduced loss (mean or sum as the loss spec says). After a device-resident pass
    /// (the <see cref="ArrayView{T}"/> overloads of <c>Network.Backward</c>) the first read waits
    /// for the device and copies the per-sample shares; it must come before the next pass on the
    /// network (an optimizer step in between is fine) and throws
    /// <see cref="NonFiniteValueException"/> when the loss is not finite.
    /// </summary>
    public float Loss => _loss ??= _network.ReadLoss(_pass, Batch);

    public int Batch { get; }
    /// <summary>The curvature methods that were computed, in channel order (empty for a gradient-only pass).</summary>
    public IReadOnlyList<CurvatureMethod> Methods => _channels;

    /// <summary>dL/dtheta for parameter tensor <paramref name="parameter"/>, same layout as the parameter.</summary>
    public float[] Gradient(int parameter) => _network.ReadParameterStack(_version, parameter, 0);

    /// <summary>
    /// dL/dtheta for parameter tensor <paramref name="parameter"/> as a view of the network's device
    /// buffer (tensor-length, same layout as the parameter): no copy. ILGPU devices only
    /// (<see cref="NotSupportedException"/> on the native <c>cpu</c> device).
    /// </summary>
    public ArrayView<float> GradientView(int parameter) => _network.ParameterStackView(_version, parameter, 0);

    /// <summary>Channel of <paramref name="single"/> in <see cref="Network.ResultStack"/>; -1 when not requested.</summary>
    internal int ChannelOf(CurvatureMethod single)
    {
        int index = Array.IndexOf(_channels, single);
        return index < 0 ? -1 : index + 1;
    }

    internal Network Network => _network;

    private string Requested => _channels.Length == 0 ? "none" : string.Join(", ", _channels.Select(m => m.Id));

    /// <summary>Throws unless this is the network's latest pass.</summary>
    internal void EnsureCurrent()
    {
        if (_network.Version != _version)
            throw new InvalidOperationException("This BackwardResult was superseded by a later pass or parameter change on the same network.");
    }

    /// <summary>The diagonal estimate of one requested method for parameter tensor <paramref name="parameter"/>.</summary>
    public float[] Curvature(CurvatureMethod single, int parameter) =>
        _network.ReadParameterStack(_version, parameter, RequestedChannel(single));

    /// <summary>
    /// The diagonal estimate of one requested method for parameter tensor <paramref name="parameter"/>
    /// as a view of the network's device buffer: no copy. ILGPU devices only.
    /// </summary>
    public ArrayView<float> CurvatureView(CurvatureMethod single, int parameter) =>
        _network.ParameterStackView(_version, parameter, RequestedChannel(single));

    /// <summary>
    /// The per-sample loss shares (N), already divided as the reduction says (their sum is
    /// <see cref="Loss"/>), as a view of the network's device buffer: reduce or log them on the
    /// device without a host wait. ILGPU devices only; readable until the next pass on the network.
    /// </summary>
    public ArrayView<float> LossSharesView => _lossSharesOnDevice
        ? _network.LossSharesView(_pass, Batch)
        : throw new InvalidOperationException("This pass's loss was computed on the host by an IOutputLoss: there are no per-sample loss shares on the device.");

    private int RequestedChannel(CurvatureMethod single)
    {
        int channel = ChannelOf(single);
        if (channel < 0)
        {
            ArgumentNullException.ThrowIfNull(single);
            throw new InvalidOperationException(single.IsFused
                ? $"{single.Id} was not requested in this Backward call (requested: {Requested})."
                : $"'{single.Id}' is not a fused method: Network.Backward does not compute it (use a CurvatureEstimator).");
        }
        return channel;
    }
}
