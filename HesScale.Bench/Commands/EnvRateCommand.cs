using System.Diagnostics;
using System.Globalization;
using HesScale.Bench.Reinforcement.Environments;
using HesScale.Bench.Reinforcement.Environments.MuJoCo;
using HesScale.Gpu.Reinforcement;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale env-rate [--env LIST] [--steps N] [--seed S]</c>: steps per second of the MuJoCo
/// environments on one thread. Two loops per task: the environment (random uniform actions in the
/// control range, reset on termination or at the time limit; physics + observation + reward), and raw
/// <c>mj_step</c> on the same model (random ctrl each env step, reset every 1000 env steps). A shared
/// machine only gives lower bounds.
/// </summary>
public static class EnvRateCommand
{
    public const string Usage =
        "usage: hesscale env-rate [--env LIST] [--steps N] [--seed S]\n" +
        "  --env    comma-separated MuJoCo tasks, or all (default): hopper, walker2d, halfcheetah, ant,\n" +
        "           inverted_pendulum, inverted_double_pendulum, reacher, swimmer\n" +
        "  --steps  environment steps per loop (default 20000)\n" +
        "  --seed   seed of the resets and random actions (default 0)";

    private const string Command = "env-rate";

    /// <summary>Runs the command; returns 0 on success, 1 on a failure, 2 on a wrong command line.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var options = CommandLine.Parse(args, Command, "env", "steps", "seed");
            var envs = ParseEnvs(options.Get("env") ?? "all");
            int steps = CommandLine.PositiveInteger(Command, "steps", options.Get("steps") ?? "20000");
            int seed = int.TryParse(options.Get("seed") ?? "0", NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int s)
                ? s : throw new UsageException($"{Command}: --seed expects an integer, got '{options.Get("seed")}'.");
            stdout.WriteLine($"{"env",-26} {"env steps/s",12} {"mj_step/s",12} {"frame skip",10}");
            foreach (string id in envs)
            {
                var (envRate, stepRate, frameSkip) = Measure(id, steps, seed);
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{id,-26} {envRate,12:F0} {stepRate,12:F0} {frameSkip,10}"));
            }
            return 0;
        });
    }

    private static List<string> ParseEnvs(string list)
    {
        var ids = new List<string>();
        foreach (string raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string id = raw.ToLowerInvariant();
            if (id == "all") ids.AddRange(EnvironmentRegistry.MuJoCoIds);
            else if (EnvironmentRegistry.MuJoCoIds.Contains(id)) ids.Add(id);
            else throw new UsageException($"{Command}: unknown MuJoCo task '{raw}' in --env (known: {string.Join(", ", EnvironmentRegistry.MuJoCoIds)}, all).");
        }
        if (ids.Count == 0) throw new UsageException($"{Command}: --env is empty.");
        return ids.Distinct().ToList();
    }

    /// <summary>Environment steps per second and raw mj_step per second for one task.</summary>
    internal static (double EnvRate, double StepRate, int FrameSkip) Measure(string id, int steps, int seed)
    {
        using var env = (MuJoCoEnvironment)EnvironmentRegistry.Create(id);
        var rng = new Random(seed);
        var obs = new float[env.ObservationSize];
        var action = new float[env.ActionSize];
        var low = env.ActionLow.ToArray();
        var high = env.ActionHigh.ToArray();
        env.Reset(rng, obs);
        int length = 0;
        var clock = Stopwatch.StartNew();
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < action.Length; i++) action[i] = low[i] + (high[i] - low[i]) * (float)rng.NextDouble();
            env.Step(action, obs, out bool terminated);
            if (terminated || ++length >= env.MaxEpisodeSteps)
            {
                env.Reset(rng, obs);
                length = 0;
            }
        }
        double envRate = steps / clock.Elapsed.TotalSeconds;

        var ctrl = new double[env.ActionSize];
        env.Reset(rng, obs);
        clock.Restart();
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < ctrl.Length; i++) ctrl[i] = low[i] + (high[i] - low[i]) * rng.NextDouble();
            env.StepPhysics(ctrl);
            if (t % 1000 == 999) env.Reset(rng, obs);
        }
        double stepRate = (double)steps * env.FrameSkip / clock.Elapsed.TotalSeconds;
        return (envRate, stepRate, env.FrameSkip);
    }
}
