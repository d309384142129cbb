using System.Globalization;
using HesScale.Bench.Commands;
using HesScale.Bench.Reinforcement;
using HesScale.Bench.Reinforcement.Agents;
using HesScale.Bench.Reinforcement.Environments;
using HesScale.Gpu.Reinforcement;

namespace HesScale.Bench.Sweeps;

/// <summary>
/// rl-sweep's cells: one training run (environment, optimizer, learning rate, seed) each. A cell's rows keep the whole
/// result, so a merged run scores it exactly as the process that ran it would:
/// <c>run,ENV_STEPS,DIVERGED,WALL_TICKS,FAILURE</c> then <c>episode,RETURN,LENGTH,ENV_STEPS</c> per episode
/// (doubles round-trip, "R").
/// </summary>
public static class RlSweepCells
{
    public static string Name(AgentSettings job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return $"{job.Environment} {job.Optimizer} lr {RlCommand.Format(job.OptimizerSettings.LearningRate)} seed {job.Seed}";
    }

    public static IReadOnlyList<string> Rows(RlRunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        string failure = (result.Failure ?? "").ReplaceLineEndings(" ");
        var rows = new List<string>(result.Episodes.Count + 1)
        {
            string.Create(CultureInfo.InvariantCulture, $"run,{result.EnvironmentSteps},{(result.Diverged ? 1 : 0)},{result.Wall.Ticks},{failure}"),
        };
        rows.AddRange(result.Episodes.Select(e => string.Create(CultureInfo.InvariantCulture, $"episode,{e.Return:R},{e.Length},{e.EnvironmentSteps}")));
        return rows;
    }

    /// <summary>The result of <paramref name="job"/> from its stored rows.</summary>
    public static RlRunResult Parse(AgentSettings job, IReadOnlyList<string> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var head = rows.Count > 0 ? rows[0].Split(',', 5) : [];
        if (head.Length != 5 || head[0] != "run") throw new SweepFormatException($"rl-sweep cell '{Name(job)}': expected a 'run,...' row first.");
        var episodes = new List<EpisodeRecord>(rows.Count - 1);
        foreach (string row in rows.Skip(1))
        {
            var c = row.Split(',');
            if (c.Length != 4 || c[0] != "episode") throw new SweepFormatException($"rl-sweep cell '{Name(job)}': bad episode row '{row}'.");
            episodes.Add(new EpisodeRecord(D(c[1]), (int)L(c[2]), L(c[3])));
        }
        return new RlRunResult(job, episodes, L(head[1]), head[2] == "1", head[4].Length == 0 ? null : head[4], TimeSpan.FromTicks(L(head[3])));
    }

    private static double D(string s) => CellNumbers.Double(s, "rl-sweep");

    private static long L(string s) => CellNumbers.Long(s, "rl-sweep");
}
