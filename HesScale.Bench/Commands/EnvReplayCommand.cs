using System.Globalization;
using HesScale.Bench.Cases;
using HesScale.Bench.Reinforcement.Environments.MuJoCo;
using HesScale.Gpu.Reinforcement;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale env-replay --case FILE|DIR --out FILE|DIR</c>: replays <c>mujoco-trajectory/1</c> cases on
/// the MuJoCo environments (<see cref="TrajectoryReplay"/>) and writes
/// <c>{"observations": [[...]], "rewards": [...], "terminated": [...]}</c> per case. As with <c>diag</c>:
/// every case is read and checked before anything runs, everything runs before anything is written, the
/// outputs are written atomically, and no plan may overwrite an input; a failed run leaves no output behind.
/// </summary>
public static class EnvReplayCommand
{
    public const string Usage =
        "usage: hesscale env-replay --case FILE|DIR --out FILE|DIR\n" +
        "  --case  a mujoco-trajectory/1 file, or a folder: every case-*.json in it (not *.expected.json)\n" +
        "  --out   output file (or folder, required when --case is a folder; created if missing)\n" +
        "  Starts from the case's qpos/qvel exactly (no reset noise; Reacher's goal in qpos[2..3]), records the\n" +
        "  start observation, then observation, reward and terminated per action; stops after the first\n" +
        "  terminated step. Needs MuJoCo 2.2.2 (apt-get install libmujoco2.2.2).";

    private const string Command = "env-replay";

    /// <summary>Runs the command; returns 0 on success, 1 on a failure, 2 on a wrong command line.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        CommandRunner.Run(Command, Usage, args, stdout, stderr, () => Execute(args, stdout));

    private static int Execute(string[] args, TextWriter stdout)
    {
        var options = CommandLine.Parse(args, Command, "case", "out");
        string casePath = options.Required(Command, "case");
        string outPath = options.Required(Command, "out");
        var jobs = DiagCommand.PlanOutputs(casePath, outPath);

        var cases = jobs.Select(j => TrajectoryCase.Load(j.Input)).ToList();
        var results = new List<TrajectoryResult>(cases.Count);
        foreach (var c in cases)
        {
            var result = TrajectoryReplay.Run(c);
            results.Add(result);
            bool ended = result.Terminated.Count > 0 && result.Terminated[^1];
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.FileName}: {c.Env}, {result.Rewards.Count} steps{(ended ? ", terminated" : "")}, return {result.Rewards.Sum():G6}"));
        }

        if (jobs.Count > 1 || Directory.Exists(casePath)) Directory.CreateDirectory(outPath);
        DiagCommand.WriteAll(results.Select(r => (Action<Stream>)r.WriteTo).ToList(), jobs.Select(j => j.Output).ToList());
        stdout.WriteLine(jobs.Count == 1 ? $"wrote {jobs[0].Output}" : $"wrote {jobs.Count} files to {outPath}");
        return 0;
    }
}
