using HesScale.Bench.Sweeps;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale merge DIR</c>: combines the shard files of a sweep (run with <c>--shard K/N</c>) into the CSVs,
/// summary and figures the single-process run writes, after checking every cell is there exactly once.
/// </summary>
public static class MergeCommand
{
    public const string Usage =
        "usage: hesscale merge DIR [--out OUT]\n" +
        "  DIR holds the shard-K-of-N.csv files of one sweep (rl-sweep, train, quality or cost run with --shard K/N --out DIR)\n" +
        "  --out  where the sweep's outputs go (default DIR); every cell must be present exactly once";

    private const string Command = "merge";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"{Command}: give the folder of the shard files first.");
            string folder = args[0];
            var options = CommandLine.Parse(args[1..], Command, "out");
            var merged = SweepMerge.Collect(folder);
            if (!SweepCommands.ByName.TryGetValue(merged.Definition.Command, out var run))
                throw new SweepFormatException($"the shards in {folder} are of '{merged.Definition.Command}', which merge does not know (known: {SweepCommands.Names}).");
            stdout.WriteLine($"merge: sweep {merged.Definition.Id} ({merged.Definition.Command}), all {merged.Definition.Cells.Count} cells present once");
            return run([.. merged.Definition.Arguments(), "--out", options.Get("out") ?? folder], stdout, stderr, merged);
        });
    }
}
