using HesScale.Gpu;
using HesScale.Gpu.Engine;

namespace HesScale.Tests.Engine;

/// <summary>
/// Buffers of one backend operation run: inputs drawn from a seeded generator (the same seed gives
/// the same inputs on every backend), outputs registered by name and read back after the run.
/// Outputs start filled with random values too, so an element a backend forgets to write differs.
/// </summary>
internal sealed class BackendOpHarness(Backend backend, int seed) : IDisposable
{
    private readonly Random _rng = new(seed);
    private readonly List<DeviceBuffer> _all = [];
    private readonly List<(string Name, Func<float[]> Read)> _outputs = [];

    public Backend Backend => backend;

    /// <summary>A buffer of <paramref name="length"/> values uniform in [lo, hi).</summary>
    public DeviceBuffer Input(int length, float lo = -1f, float hi = 1f)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = lo + (hi - lo) * (float)_rng.NextDouble();
        return Upload(values);
    }

    /// <summary>Targets of <paramref name="loss"/>: (N, K) reals for MSE, N class indices for cross-entropy.</summary>
    public DeviceBuffer Targets(LossSpec loss, int n, int k)
    {
        if (loss.Kind == LossKind.MeanSquaredError) return Input(n * k);
        var classes = new float[n];
        for (int s = 0; s < n; s++) classes[s] = _rng.Next(k);
        return Upload(classes);
    }

    /// <summary>An output (random initial contents) compared after the run.</summary>
    public DeviceBuffer Output(string name, int length, float lo = -1f, float hi = 1f)
    {
        var buffer = Input(length, lo, hi);
        _outputs.Add((name, () => Read(buffer)));
        return buffer;
    }

    /// <summary>A value derived from buffers after the run (for outputs whose layout is the backend's own).</summary>
    public void Derived(string name, Func<float[]> read) => _outputs.Add((name, read));

    public static float[] Read(DeviceBuffer buffer)
    {
        var host = new float[buffer.Length];
        buffer.Download(host);
        return host;
    }

    /// <summary>Waits for the backend and reads every registered output.</summary>
    public List<(string Name, float[] Values)> Results()
    {
        backend.Synchronize();
        return _outputs.Select(o => (o.Name, o.Read())).ToList();
    }

    public DeviceBuffer Upload(float[] values)
    {
        var buffer = backend.Allocate(values.Length);
        _all.Add(buffer);
        buffer.Upload(values);
        return buffer;
    }

    public void Dispose()
    {
        foreach (var b in _all) b.Dispose();
    }
}
