namespace HesScale.Gpu.Checkpoints;

/// <summary>A checkpoint file that cannot be used: wrong magic, version, checksum, architecture or a truncated body.</summary>
public sealed class CheckpointFormatException : IOException
{
    /// <summary>A checkpoint error with a generic message.</summary>
    public CheckpointFormatException() : base("Invalid checkpoint.") { }
    /// <summary>A checkpoint error described by <paramref name="message"/>.</summary>
    public CheckpointFormatException(string message) : base(message) { }
    /// <summary>A checkpoint error described by <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public CheckpointFormatException(string message, Exception innerException) : base(message, innerException) { }
}
