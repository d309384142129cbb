namespace HesScale.Gpu.Devices;

/// <summary>The requested device kind is not present; the message lists the devices that are.</summary>
public sealed class DeviceNotFoundException : InvalidOperationException
{
    /// <summary>A missing device described by <paramref name="message"/>.</summary>
    public DeviceNotFoundException(string message) : base(message) { }
    /// <summary>A missing device with a generic message.</summary>
    public DeviceNotFoundException() { }
    /// <summary>A missing device described by <paramref name="message"/>, caused by <paramref name="inner"/>.</summary>
    public DeviceNotFoundException(string message, Exception inner) : base(message, inner) { }
}
