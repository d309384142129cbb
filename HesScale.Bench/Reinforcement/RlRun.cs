using System.Diagnostics;
using HesScale.Bench.Reinforcement.Agents;
using HesScale.Bench.Reinforcement.Environments;
using HesScale.Gpu;
using HesScale.Gpu.Reinforcement;

namespace HesScale.Bench.Reinforcement;

/// <summary>Where a run's wall time went: environment steps (physics), acting (policy forward and sampling), updates.</summary>
public sealed record RlTiming(TimeSpan Physics, TimeSpan Inference, TimeSpan Updates);

/// <summary>One finished training run: its episodes, whether it diverged (and why), the wall time and its split.</summary>
public sealed record RlRunResult(AgentSettings Settings, IReadOnlyList<EpisodeRecord> Episodes, long EnvironmentSteps, bool Diverged, string? Failure, TimeSpan Wall,
    RlTiming? Timing = null)
{
    /// <summary>
    /// The official run score ("return averaged over the entire period", mujoco.md 4.9): [0, budget] split into
    /// <paramref name="bins"/> bins; a bin's value is the mean return of the episodes that ended in it; the score is
    /// the mean over the non-empty bins (NaN without episodes).
    /// </summary>
    public double Score(long budget, int bins = 100) => SweepAnalysis.BinnedScore(Episodes, budget, bins);

    /// <summary>Mean return of the last <paramref name="count"/> episodes (NaN if none).</summary>
    public double MeanOfLast(int count)
    {
        if (Episodes.Count == 0) return double.NaN;
        return Episodes.Skip(Math.Max(0, Episodes.Count - count)).Average(e => e.Return);
    }

    /// <summary>Mean return over all episodes of the run (the sweep's score; NaN if none).</summary>
    public double MeanOverRun => Episodes.Count == 0 ? double.NaN : Episodes.Average(e => e.Return);

    /// <summary>First environment step at which the mean of the last <paramref name="window"/> episodes reached <paramref name="target"/>; null if never.</summary>
    public long? FirstReached(double target, int window)
    {
        double sum = 0;
        for (int i = 0; i < Episodes.Count; i++)
        {
            sum += Episodes[i].Return;
            if (i >= window) sum -= Episodes[i - window].Return;
            if (i + 1 >= window && sum / window >= target) return Episodes[i].EnvironmentSteps;
        }
        return null;
    }
}

/// <summary>Runs an agent and turns divergence (non-finite values anywhere) into a result instead of a crash.</summary>
public static class RlRun
{
    public static RlRunResult Execute(AgentSettings settings, ComputeDevice device, long steps, Action<ActorCriticAgent>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var clock = Stopwatch.StartNew();
        using var agent = new ActorCriticAgent(settings, device);
        RlTiming Timing() => new(agent.PhysicsTime, agent.InferenceTime, agent.UpdateTime);
        try
        {
            agent.Train(steps, progress);
            return new RlRunResult(settings, agent.Episodes.ToArray(), agent.EnvironmentSteps, false, null, clock.Elapsed, Timing());
        }
        catch (ArithmeticException e) // NonFiniteValueException and overflow: the run diverged
        {
            return new RlRunResult(settings, agent.Episodes.ToArray(), agent.EnvironmentSteps, true, e.Message, clock.Elapsed, Timing());
        }
    }
}
