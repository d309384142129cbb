using HesScale.Bench.Perf;
using HesScale.Gpu.Performance;

namespace HesScale.Tests.Performance;

[TestClass]
public sealed class TimingTests
{
    [TestMethod]
    [DataRow(1, 11)]
    [DataRow(7, 2)]
    [DataRow(31, 3)]
    [DataRow(100, 5)]
    public void Summary_matches_order_statistics_whatever_the_sample_order(int count, int seed)
    {
        var rng = new Random(seed);
        double[] values = Enumerable.Range(0, count).Select(_ => rng.NextDouble() * 1000).ToArray();
        double[] sorted = values.Order().ToArray();
        var summary = TimingSummary.Of(values);
        var reversed = TimingSummary.Of(values.Reverse().ToArray());

        Assert.AreEqual(count, summary.Count);
        Assert.AreEqual(summary, reversed);
        // Linear interpolation at q (n - 1), computed here from the definition.
        double Expected(double q)
        {
            double pos = q * (count - 1);
            int lo = (int)pos;
            return lo + 1 < count ? sorted[lo] + (pos - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
        }
        Assert.AreEqual(Expected(0.5), summary.Median, 1e-9);
        Assert.AreEqual(Expected(0.1), summary.P10, 1e-9);
        Assert.AreEqual(Expected(0.9), summary.P90, 1e-9);
        Assert.AreEqual(values.Average(), summary.Mean, 1e-9);
        Assert.IsLessThanOrEqualTo(summary.Median, summary.P10);
        Assert.IsLessThanOrEqualTo(summary.P90, summary.Median);
        if (count % 2 == 1) Assert.AreEqual(sorted[count / 2], summary.Median);
        else Assert.AreEqual((sorted[count / 2 - 1] + sorted[count / 2]) / 2, summary.Median, 1e-9);
    }

    [TestMethod]
    public void Summary_rejects_empty_negative_and_non_finite_samples()
    {
        Assert.ThrowsExactly<ArgumentException>(() => TimingSummary.Of([]));
        Assert.Contains("-1", Assert.ThrowsExactly<ArgumentException>(() => TimingSummary.Of([1.0, -1.0])).Message);
        Assert.ThrowsExactly<ArgumentException>(() => TimingSummary.Of([double.NaN]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TimingSummary.Quantile([1.0, 2.0], 1.5));
    }

    [TestMethod]
    public void Budget_rejects_bad_values_naming_the_field()
    {
        Assert.AreEqual("MinSamples", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TimingBudget(MinSamples: 0).Validate()).ParamName);
        Assert.AreEqual("MaxSamples", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TimingBudget(MinSamples: 5, MaxSamples: 4).Validate()).ParamName);
        Assert.AreEqual("MinTimeMs", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TimingBudget(MinTimeMs: double.NaN).Validate()).ParamName);
        Assert.AreEqual("WarmupMs", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TimingBudget(WarmupMs: -1).Validate()).ParamName);
    }

    [TestMethod]
    public void Measure_warms_up_then_times_the_requested_number_of_calls()
    {
        int calls = 0;
        var summary = OperationTimer.Measure(() => calls++, new TimingBudget(WarmupMs: 0, MinTimeMs: 0, MinSamples: 7, MaxSamples: 7));
        Assert.AreEqual(7, summary.Count);
        Assert.AreEqual(3 + 7, calls, "3 warm-up calls, then 7 timed ones");
    }

    [TestMethod]
    public void Interleaved_measurement_tells_a_slow_operation_from_a_fast_one()
    {
        int fastCalls = 0, slowCalls = 0;
        var budget = new TimingBudget(WarmupMs: 0, MinTimeMs: 20, MinSamples: 5, MaxSamples: 1000);
        var times = OperationTimer.MeasureInterleaved([() => fastCalls++, () => { slowCalls++; Thread.Sleep(2); }], budget);

        Assert.HasCount(2, times);
        Assert.IsGreaterThanOrEqualTo(2000.0, times[1].Median, "Thread.Sleep(2) takes at least 2 ms");
        Assert.IsLessThan(times[1].Median, times[0].Median);
        // Each operation stops on its own budget: the fast one takes many more samples.
        Assert.IsGreaterThan(times[1].Count, times[0].Count);
        Assert.AreEqual(fastCalls - 3, times[0].Count);
        Assert.AreEqual(slowCalls - 3, times[1].Count);
    }
}
