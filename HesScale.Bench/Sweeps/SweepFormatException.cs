namespace HesScale.Bench.Sweeps;

/// <summary>Shard files that cannot be resumed or merged (damaged, of another sweep, missing or duplicated cells); an IOException, so the commands report it in one line.</summary>
public sealed class SweepFormatException : IOException
{
    public SweepFormatException() : base("Invalid sweep shard files.")
    {
    }

    public SweepFormatException(string message) : base(message)
    {
    }

    public SweepFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
