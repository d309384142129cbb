using System.Diagnostics;

namespace HesScale.Gpu.Performance;

/// <summary>Order statistics of repeated timings, in microseconds.</summary>
/// <param name="Count">Number of timed repetitions.</param>
/// <param name="Median">50th percentile.</param>
/// <param name="P10">10th percentile (linear interpolation between order statistics).</param>
/// <param name="P90">90th percentile.</param>
/// <param name="Mean">Arithmetic mean.</param>
public sealed record TimingSummary(int Count, double Median, double P10, double P90, double Mean)
{
    /// <summary>Summarises <paramref name="microseconds"/> (at least one finite, non-negative sample).</summary>
    public static TimingSummary Of(IReadOnlyCollection<double> microseconds)
    {
        ArgumentNullException.ThrowIfNull(microseconds);
        if (microseconds.Count == 0) throw new ArgumentException("At least one timing sample is needed.", nameof(microseconds));
        var sorted = microseconds.ToArray();
        foreach (double v in sorted)
        {
            if (!double.IsFinite(v) || v < 0)
                throw new ArgumentException($"Timing samples must be finite and non-negative, got {v}.", nameof(microseconds));
        }
        Array.Sort(sorted);
        return new TimingSummary(sorted.Length, Quantile(sorted, 0.5), Quantile(sorted, 0.1), Quantile(sorted, 0.9), sorted.Average());
    }

    /// <summary>The q-quantile of sorted values: linear interpolation at position q (n - 1) (NumPy's default).</summary>
    public static double Quantile(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.IsEmpty) throw new ArgumentException("No values.", nameof(sorted));
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "A quantile lies in [0, 1].");
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}

/// <summary>How long to warm up and to measure one configuration.</summary>
/// <param name="WarmupMs">Untimed calls for at least this long (JIT, kernel compilation, caches), and at least 3 calls.</param>
/// <param name="MinTimeMs">Timed calls until this much time has been spent, and at least <paramref name="MinSamples"/> calls.</param>
/// <param name="MinSamples">Least number of timed calls.</param>
/// <param name="MaxSamples">Most timed calls (fast operations stop here).</param>
public sealed record TimingBudget(double WarmupMs = 100, double MinTimeMs = 300, int MinSamples = 5, int MaxSamples = 20_000)
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting that is negative, not finite, or (MaxSamples) below MinSamples.</summary>
    public void Validate()
    {
        if (!(WarmupMs >= 0) || !double.IsFinite(WarmupMs)) throw new ArgumentOutOfRangeException(nameof(WarmupMs), WarmupMs, "Warm-up time must be a finite number of milliseconds >= 0.");
        if (!(MinTimeMs >= 0) || !double.IsFinite(MinTimeMs)) throw new ArgumentOutOfRangeException(nameof(MinTimeMs), MinTimeMs, "Measuring time must be a finite number of milliseconds >= 0.");
        if (MinSamples < 1) throw new ArgumentOutOfRangeException(nameof(MinSamples), MinSamples, "At least one timed call is needed.");
        if (MaxSamples < MinSamples) throw new ArgumentOutOfRangeException(nameof(MaxSamples), MaxSamples, $"MaxSamples must be >= MinSamples ({MinSamples}).");
    }
}

/// <summary>Wall-clock timing of synchronous operations (ones that have finished when they return).</summary>
public static class OperationTimer
{
    /// <summary>
    /// Warms <paramref name="operation"/> up, then times single calls until the budget is spent.
    /// The operation must wait for its device work (Network.Backward does: it reads the loss back).
    /// </summary>
    public static TimingSummary Measure(Action operation, TimingBudget budget) => MeasureInterleaved([operation], budget)[0];

    /// <summary>
    /// Times several operations round-robin (one call of each per round), so that drift in the
    /// machine's speed (other processes, JIT tiering, clocks) is shared by all of them instead of
    /// favouring whichever ran last. Each gets at least the budget's samples and time.
    /// </summary>
    public static TimingSummary[] MeasureInterleaved(IReadOnlyList<Action> operations, TimingBudget budget)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(budget);
        if (operations.Count == 0) throw new ArgumentException("At least one operation is needed.", nameof(operations));
        budget.Validate();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 3 || clock.Elapsed.TotalMilliseconds < budget.WarmupMs * operations.Count; i++)
        {
            foreach (var op in operations) op();
        }

        var samples = operations.Select(_ => new List<double>()).ToArray();
        var spent = new double[operations.Count];
        bool Done(int k) => samples[k].Count >= budget.MaxSamples
            || (samples[k].Count >= budget.MinSamples && spent[k] >= budget.MinTimeMs * 1000);
        while (!Enumerable.Range(0, operations.Count).All(Done))
        {
            for (int k = 0; k < operations.Count; k++)
            {
                if (Done(k)) continue;
                long start = Stopwatch.GetTimestamp();
                operations[k]();
                double us = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                samples[k].Add(us);
                spent[k] += us;
            }
        }
        return samples.Select(TimingSummary.Of).ToArray();
    }
}
