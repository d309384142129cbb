using HesScale.Bench.Sweeps;

namespace HesScale.Bench.Commands;

/// <summary>The commands whose cells can be sharded, merged and submitted to Slurm, by name.</summary>
internal static class SweepCommands
{
    public static readonly IReadOnlyDictionary<string, Func<string[], TextWriter, TextWriter, SweepInput?, int>> ByName =
        new Dictionary<string, Func<string[], TextWriter, TextWriter, SweepInput?, int>>(StringComparer.Ordinal)
        {
            ["rl-sweep"] = RlSweepCommand.Run,
            ["train"] = TrainCommand.Run,
            ["quality"] = QualityCommand.Run,
            ["cost"] = CostCommand.Run,
        };

    public static string Names => string.Join(", ", ByName.Keys);

    /// <summary>
    /// The definition <paramref name="command"/> makes of <paramref name="args"/> (its options, with --out), without running a
    /// cell; a command line the command refuses is a <see cref="UsageException"/> carrying its message.
    /// </summary>
    public static SweepDefinition Plan(string command, string[] args)
    {
        using var stderr = new StringWriter();
        try
        {
            int code = ByName[command](args, TextWriter.Null, stderr, SweepPlan.Request);
            string first = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? $"exit status {code}";
            throw new UsageException($"the {command} options do not make a sweep: {first.Replace($"hesscale {command}: ", "", StringComparison.Ordinal)}");
        }
        catch (SweepPlannedException e) when (e.Definition is not null)
        {
            return e.Definition;
        }
    }
}
