using HesScale.Gpu.Data;

namespace HesScale.Tests.Data;

[TestClass]
public sealed class DigitsTests
{
    [TestMethod]
    public void Embedded_set_has_the_documented_shape()
    {
        var d = Digits.Load();
        Assert.AreEqual(1797, d.Count);
        Assert.AreEqual(64, d.FeatureCount);
        Assert.AreEqual(10, d.Classes);
        Assert.AreEqual(0f, d.Features.Min());
        Assert.AreEqual(16f, d.Features.Max());
        // Every class is present, roughly balanced (about 180 each).
        var counts = d.Labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        Assert.HasCount(10, counts);
        Assert.IsTrue(counts.Values.All(c => c is > 150 and < 200));
    }

    [TestMethod]
    public void Split_is_fixed_disjoint_and_standardised()
    {
        var (train, test) = Digits.LoadStandardizedSplit();
        var (train2, _) = Digits.LoadStandardizedSplit();
        Assert.AreEqual(1797, train.Count + test.Count);
        Assert.AreEqual(359, test.Count);
        CollectionAssert.AreEqual(train.Labels, train2.Labels);
        var (mean, std) = train.FeatureStatistics();
        foreach (var m in mean) Assert.AreEqual(0, m, 1e-4);
        Assert.IsTrue(std.All(s => Math.Abs(s - 1) < 1e-3), "standardised features have unit deviation (constant ones are left at 0)");
    }

    [TestMethod]
    public void Bad_labels_are_rejected()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Dataset(new float[4], [0, 3], 2, 3, "x"));
        Assert.ThrowsExactly<ArgumentException>(() => new Dataset(new float[5], [0, 1], 2, 3, "x"));
    }
}
