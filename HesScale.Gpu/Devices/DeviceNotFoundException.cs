namespace HesScale.Gpu;

/// <summary>The requested device kind is not present; the message lists the devices that are.</summary>
public sealed class DeviceNotFoundException : InvalidOperationException
{
    public DeviceNotFoundException(string message) : base(message) { }
    public DeviceNotFoundException() { }
    public DeviceNotFoundException(string message, Exception inner) : base(message, inner) { }
}
