using HesScale.Gpu.Engine;

namespace HesScale.Gpu.Curvature;

/// <summary>
/// What one <c>CurvatureEstimator.Estimate</c> call computed: the loss, the gradient and the
/// diagonal estimate per parameter tensor, kept on the device until read. Valid until the next
/// Estimate on the same estimator.
/// </summary>
public sealed class CurvatureEstimate
{
    private readonly CurvatureEstimator _owner;
    private readonly int _version;
    private readonly int _networkVersion;

    internal CurvatureEstimate(CurvatureEstimator owner, int version, CurvatureMethod kind, float loss, int samples)
    {
        _owner = owner;
        _version = version;
        _networkVersion = owner.Network.Version;
        Kind = kind;
        Loss = loss;
        Samples = samples;
    }

    /// <summary>The method estimated (a row of <see cref="CurvatureMethod.All"/>).</summary>
    public CurvatureMethod Kind { get; }
    /// <summary>The reduced loss of the batch.</summary>
    public float Loss { get; }
    /// <summary>Random samples averaged (1 for deterministic estimators).</summary>
    public int Samples { get; }

    /// <summary>dL/dtheta of parameter tensor <paramref name="parameter"/>, same layout as the parameter.</summary>
    public float[] Gradient(int parameter)
    {
        using var _ = Network.EnterExclusive();
        return Download(GradientBuffer(parameter));
    }

    /// <summary>The diagonal estimate for parameter tensor <paramref name="parameter"/>, same layout as the parameter.</summary>
    public float[] Diagonal(int parameter)
    {
        using var _ = Network.EnterExclusive();
        return Download(DiagonalBuffer(parameter));
    }

    internal DeviceBuffer GradientBuffer(int parameter)
    {
        _owner.EnsureCurrent(_version);
        return _owner.GradientBuffer(parameter);
    }

    internal DeviceBuffer DiagonalBuffer(int parameter)
    {
        _owner.EnsureCurrent(_version);
        return _owner.DiagonalBuffer(parameter);
    }

    /// <summary>The network the estimate was taken on.</summary>
    internal Network Network => _owner.Network;

    /// <summary>Throws unless the estimator has not estimated again and the network's parameters have not changed since.</summary>
    internal void EnsureCurrentForStep()
    {
        _owner.EnsureCurrent(_version);
        if (_owner.Network.Version != _networkVersion)
            throw new InvalidOperationException("This estimate was taken before the network's parameters changed (another step, SetParameter or pass); estimate again.");
    }

    private static float[] Download(DeviceBuffer buffer)
    {
        var result = new float[buffer.Length];
        buffer.Download(result);
        return result;
    }
}
