using System.Diagnostics;
using HesScale.Gpu;
using HesScale.Gpu.Reinforcement;

namespace HesScale.Bench.Reinforcement;

/// <summary>One finished training run: its episodes, whether it diverged (and why), and the wall time.</summary>
public sealed record RlRunResult(AgentSettings Settings, IReadOnlyList<EpisodeRecord> Episodes, long EnvironmentSteps, bool Diverged, string? Failure, TimeSpan Wall)
{
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
        try
        {
            agent.Train(steps, progress);
            return new RlRunResult(settings, agent.Episodes.ToArray(), agent.EnvironmentSteps, false, null, clock.Elapsed);
        }
        catch (ArithmeticException e) // NonFiniteValueException and overflow: the run diverged
        {
            return new RlRunResult(settings, agent.Episodes.ToArray(), agent.EnvironmentSteps, true, e.Message, clock.Elapsed);
        }
    }
}
