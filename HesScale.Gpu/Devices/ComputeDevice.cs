namespace HesScale.Gpu;

/// <summary>STUB.</summary>
public sealed class ComputeDevice : IDisposable
{
    public DeviceKind Kind { get; }
    public string Name => "stub";
    public static ComputeDevice Create(DeviceKind kind = DeviceKind.Auto, int threads = 0) => throw new NotImplementedException();
    public static ComputeDevice Create(string name, int threads = 0) => throw new NotImplementedException();
    public static ComputeDevice FromEnvironment(string? commandLineValue, int threads = 0) => throw new NotImplementedException();
    public void Dispose() { }
}
