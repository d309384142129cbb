namespace HesScale.Bench.Sweeps;

/// <summary>What a sweeping command gets besides its command line: the merged cells, or a request for its plan only.</summary>
public abstract record SweepInput;

/// <summary>The cells of a sweep that <c>hesscale merge</c> read from the shard files, handed to the sweep's command.</summary>
public sealed record MergedCells(SweepDefinition Definition, IReadOnlyDictionary<int, IReadOnlyList<string>> Cells) : SweepInput;

/// <summary>
/// Asks a sweeping command for its definition only: it validates its options, builds its cells and stops with a
/// <see cref="SweepPlannedException"/> before running any (<c>hesscale slurm</c> checks a command line this way).
/// </summary>
public sealed record SweepPlan : SweepInput
{
    public static readonly SweepPlan Request = new();
}

/// <summary>
/// Thrown by <see cref="SweepCells"/> for a <see cref="SweepPlan"/>: the command line is valid and makes
/// <see cref="Definition"/>. Not an IOException or ArgumentException, so the commands' error handlers let it through.
/// </summary>
public sealed class SweepPlannedException : Exception
{
    public SweepPlannedException() : base("Sweep planned.")
    {
    }

    public SweepPlannedException(string message) : base(message)
    {
    }

    public SweepPlannedException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public SweepPlannedException(SweepDefinition definition) : base($"Sweep {definition?.Id} planned.")
    {
        Definition = definition;
    }

    public SweepDefinition? Definition { get; }
}
