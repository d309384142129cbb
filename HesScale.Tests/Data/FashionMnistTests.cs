using HesScale.Bench.Commands;
using HesScale.Bench.Training;

namespace HesScale.Tests.Data;

/// <summary>
/// <c>--data fashion</c> reads the real Fashion-MNIST from Debian's dataset-fashion-mnist package
/// (<see cref="TrainData.FashionMnistPackageDirectory"/>); .ci/install-fashion-mnist installs it in CI.
/// </summary>
[TestClass]
public sealed class FashionMnistTests
{
    [TestMethod]
    public void Fashion_loads_the_real_splits_from_the_Debian_package()
    {
        if (!Directory.Exists(TrainData.FashionMnistPackageDirectory))
            Assert.Inconclusive($"{TrainData.FashionMnistPackageDirectory} is absent: install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist).");
        var (train, test) = TrainData.Load("fashion");
        Assert.AreEqual(60000, train.Count);
        Assert.AreEqual(10000, test.Count);
        Assert.AreEqual(28 * 28, test.FeatureCount);
        Assert.AreEqual(10, test.Classes);
        // The published test split: 1000 images per class, starting ankle boot, pullover, trouser, trouser, shirt.
        CollectionAssert.AreEqual(new[] { 9, 2, 1, 1, 6 }, test.Labels[..5]);
        foreach (var count in test.Labels.CountBy(l => l)) Assert.AreEqual(1000, count.Value, $"class {count.Key}");
        Assert.IsTrue(test.Features.All(v => v is >= 0f and <= 1f), "pixels scaled to [0, 1]");
        Assert.AreEqual(1f, test.Features.Max(), "some pixel is 255");
    }

    [TestMethod]
    public void Fashion_without_the_package_is_a_one_line_error_naming_it()
    {
        string absent = Path.Combine(Path.GetTempPath(), "hesscale-no-fashion-" + Guid.NewGuid().ToString("N"));
        var e = Assert.ThrowsExactly<DirectoryNotFoundException>(() => TrainData.LoadFashion(absent, "quality"));
        StringAssert.StartsWith(e.Message, "quality: --data fashion reads ");
        Assert.Contains("dataset-fashion-mnist", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [TestMethod]
    public void Quality_refuses_unknown_data_before_running()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int rc = QualityCommand.Run(["--data", "imagenet", "--seeds", "1", "--out", Path.Combine(Path.GetTempPath(), "hesscale-q-" + Guid.NewGuid().ToString("N"))], stdout, stderr);
        Assert.AreEqual(2, rc, "a usage error (the commands' convention: 2 and the usage text)");
        Assert.Contains("quality: --data expects digits, mnist:DIR, fashion, fashion:DIR or cifar10:DIR, got 'imagenet'.", stderr.ToString());
        Assert.DoesNotContain("   at ", stderr.ToString(), "no stack trace");
    }
}
