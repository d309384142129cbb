namespace HesScale.Gpu.Checkpoints;

/// <summary>A checkpoint file that cannot be used: wrong magic, version, checksum, architecture or a truncated body.</summary>
public sealed class CheckpointFormatException : IOException
{
    public CheckpointFormatException() : base("Invalid checkpoint.") { }
    public CheckpointFormatException(string message) : base(message) { }
    public CheckpointFormatException(string message, Exception innerException) : base(message, innerException) { }
}
