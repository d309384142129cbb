namespace HesScale.Gpu;

/// <summary>STUB: replaced by the engine.</summary>
public sealed class Network : IDisposable
{
    public Network(ComputeDevice device, NetworkSpec spec, IReadOnlyList<float[]>? parameters = null, int seed = 0)
    {
        Device = device;
        Spec = spec;
        _ = parameters;
        _ = seed;
    }

    public NetworkSpec Spec { get; }
    public ComputeDevice Device { get; }
    public float[] GetParameter(int index) => throw new NotImplementedException();
    public void SetParameter(int index, ReadOnlySpan<float> values) => throw new NotImplementedException();
    public float[] Forward(ReadOnlySpan<float> inputs, int batch) => throw new NotImplementedException();
    public BackwardResult Backward(ReadOnlySpan<float> inputs, int batch, Targets targets, LossSpec loss, CurvatureMethods methods = CurvatureMethods.None) => throw new NotImplementedException();
    public void Dispose() { }
}

/// <summary>STUB.</summary>
public sealed class BackwardResult
{
    public float Loss { get; }
    public int Batch { get; }
    public CurvatureMethods Methods { get; }
    public float[] Gradient(int parameter) => throw new NotImplementedException();
    public float[] Curvature(CurvatureMethods method, int parameter) => throw new NotImplementedException();
}
