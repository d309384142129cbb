namespace HesScale.Gpu;

/// <summary>
/// What one <c>Network.Backward</c> call computed. The arrays stay on the device until
/// read; reading copies one tensor to the host. Valid until the next pass on the same network,
/// and only while that network is not disposed (copy what you keep to the host first).
/// </summary>
public sealed class BackwardResult
{
    private readonly Network _network;
    private readonly int _version;
    private readonly CurvatureMethods[] _channels;

    internal BackwardResult(Network network, int version, float loss, int batch, CurvatureMethods[] channels)
    {
        _network = network;
        _version = version;
        Loss = loss;
        Batch = batch;
        _channels = channels;
        Methods = channels.Aggregate(CurvatureMethods.None, (a, m) => a | m);
    }

    /// <summary>The reduced loss (mean or sum as the loss spec says).</summary>
    public float Loss { get; }
    public int Batch { get; }
    /// <summary>The curvature methods that were computed.</summary>
    public CurvatureMethods Methods { get; }

    /// <summary>dL/dtheta for parameter tensor <paramref name="parameter"/>, same layout as the parameter.</summary>
    public float[] Gradient(int parameter) => _network.ReadParameterStack(_version, parameter, 0);

    /// <summary>Channel of <paramref name="single"/> in <see cref="Network.ResultStack"/>; -1 when not requested.</summary>
    internal int ChannelOf(CurvatureMethods single)
    {
        int index = Array.IndexOf(_channels, single);
        return index < 0 ? -1 : index + 1;
    }

    internal Network Network => _network;

    /// <summary>Throws unless this is the network's latest pass.</summary>
    internal void EnsureCurrent()
    {
        if (_network.Version != _version)
            throw new InvalidOperationException("This BackwardResult was superseded by a later pass or parameter change on the same network.");
    }

    /// <summary>The diagonal estimate of one requested method for parameter tensor <paramref name="parameter"/>.</summary>
    public float[] Curvature(CurvatureMethods single, int parameter)
    {
        int index = Array.IndexOf(_channels, single);
        if (index < 0)
        {
            throw new InvalidOperationException(CurvatureMethodNames.All.Contains(single)
                ? $"{CurvatureMethodNames.Name(single)} was not requested in this Backward call (requested: {Methods})."
                : $"'{single}' is not a single curvature method.");
        }
        return _network.ReadParameterStack(_version, parameter, index + 1);
    }
}
