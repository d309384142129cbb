using HesScale.Gpu.Engine;
using HesScale.Gpu.Native;

namespace HesScale.Gpu.Performance;

/// <summary>
/// One Linear layer's backward operation on random data of fixed shapes, runnable as the engine's
/// native operation (<c>NativeLinearOps.Backward</c>: packed-panel products from batch
/// <see cref="NativeBackend.SmallBatch"/>) or as <see cref="FusedLinearBackward"/> (one sweep over W
/// for all channels), for benchmarks that compare the two on equal inputs.
/// Shapes: B (C, N, out), h (N, in), W (out, in); outputs dW (C, out, in), db (C, out), Bin (C, N, in).
/// </summary>
public sealed class LinearBackwardWorkload : IDisposable
{
    private readonly Backend _backend;
    private readonly DeviceBuffer[] _buffers;
    private readonly float[][] _host;
    private readonly ParallelOptions _parallel;

    /// <summary>Random B, h, W (uniform in [-1, 1], seeded) for one layer; throws unless the device is the native CPU one.</summary>
    public LinearBackwardWorkload(ComputeDevice device, int batch, int inWidth, int outWidth, int channels, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Backend is not NativeBackend native)
            throw new ArgumentException($"The workload compares native versions; device {device.Name} is not the native CPU device.", nameof(device));
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outWidth, 1);
        if (channels < 1 || channels > OpProfile.MaxChannels)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, $"Channels must lie in 1..{OpProfile.MaxChannels}.");
        (Batch, InWidth, OutWidth, Channels) = (batch, inWidth, outWidth, channels);
        _backend = native;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = native.Threads };
        var rng = new Random(seed);
        int[] lengths = [channels * batch * outWidth, batch * inWidth, outWidth * inWidth, channels * batch * inWidth, channels * outWidth * inWidth, channels * outWidth];
        _host = lengths.Select(len => Enumerable.Range(0, len).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
        _buffers = new DeviceBuffer[lengths.Length];
        for (int i = 0; i < lengths.Length; i++)
        {
            _buffers[i] = _backend.Allocate(lengths[i]);
            _buffers[i].Upload(_host[i]);
        }
    }

    /// <summary>Samples N.</summary>
    public int Batch { get; }
    /// <summary>Input width of the layer.</summary>
    public int InWidth { get; }
    /// <summary>Output width of the layer.</summary>
    public int OutWidth { get; }
    /// <summary>Curvature channels C propagated with the gradient (1 = gradient only).</summary>
    public int Channels { get; }

    /// <summary>The engine's native operation: panel products from batch <see cref="NativeBackend.SmallBatch"/>, the fused sweep below.</summary>
    public void RunEngine() =>
        Layers.LinearOps.Of(_backend).Backward(_buffers[0], _buffers[1], _buffers[2], _buffers[3], _buffers[4], _buffers[5], Batch, InWidth, OutWidth, Channels, 1);

    /// <summary><see cref="FusedLinearBackward"/>, one sweep over W for all channels, at any batch.</summary>
    public void RunFused() =>
        FusedLinearBackward.Run(_host[0], _host[1], _host[2], _host[3], _host[4], _host[5], Batch, InWidth, OutWidth, Channels, 1, _parallel);

    /// <summary>Releases the buffers.</summary>
    public void Dispose()
    {
        foreach (var b in _buffers) b.Dispose();
    }
}
