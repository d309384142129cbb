using System.Globalization;
using HesScale.Bench.Cases;

namespace HesScale.Bench.Reinforcement.Environments.MuJoCo;

/// <summary>
/// Replays a <see cref="TrajectoryCase"/>: start from exactly its state (mj_resetData, qpos and qvel
/// written, mj_forward; no reset noise; Reacher's goal in qpos[2..3]), observe it, then step each action as
/// the environment does, stopping after the first terminated step. No time limit is applied.
/// </summary>
public static class TrajectoryReplay
{
    /// <summary>Checks the case against the model's sizes (a <see cref="CaseFormatException"/> naming the field) and replays it.</summary>
    public static TrajectoryResult Run(TrajectoryCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        if (!EnvironmentRegistry.MuJoCoIds.Contains(c.Env))
            throw c.Error("env", $"unknown MuJoCo environment '{c.Env}' (known: {string.Join(", ", EnvironmentRegistry.MuJoCoIds)})");
        using var env = (MuJoCoEnvironment)EnvironmentRegistry.Create(c.Env);
        var sim = env.Simulation;
        CheckLength(c, c.Qpos, sim.Nq, "qpos");
        CheckLength(c, c.Qvel, sim.Nv, "qvel");
        for (int s = 0; s < c.Actions.Length; s++) CheckLength(c, c.Actions[s], sim.Nu, $"actions[{s}]");
        double[] qpos = (double[])c.Qpos.Clone();
        if (c.Env == "reacher")
        {
            if (c.Goal is null) throw c.Error("goal", "a reacher case needs \"goal\": [x, y]");
            if (c.Goal[0] != qpos[2] || c.Goal[1] != qpos[3])
                throw c.Error("goal", string.Create(CultureInfo.InvariantCulture, $"goal ({c.Goal[0]:R}, {c.Goal[1]:R}) differs from the target position qpos[2..3] ({qpos[2]:R}, {qpos[3]:R})"));
        }
        else if (c.Goal is not null)
        {
            throw c.Error("goal", "only reacher cases have a goal");
        }

        var observations = new List<double[]>(c.Actions.Length + 1);
        var rewards = new List<double>(c.Actions.Length);
        var terminated = new List<bool>(c.Actions.Length);
        var obs = new double[env.ObservationSize];
        env.ResetTo(qpos, c.Qvel, obs);
        observations.Add((double[])obs.Clone());
        foreach (var action in c.Actions)
        {
            rewards.Add(env.Step(action, obs, out bool done));
            observations.Add((double[])obs.Clone());
            terminated.Add(done);
            if (done) break;
        }
        return new TrajectoryResult(observations, rewards, terminated);
    }

    private static void CheckLength(TrajectoryCase c, double[] values, int expected, string field)
    {
        if (values.Length != expected)
            throw c.Error(field, $"expected {expected} numbers for {c.Env}, got {values.Length}");
    }
}
