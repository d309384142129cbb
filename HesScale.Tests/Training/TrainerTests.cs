using HesScale.Bench.Training;
using HesScale.Gpu;
using HesScale.Gpu.Data;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Training;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Training;

[TestClass]
public sealed class TrainerTests
{
    internal static readonly NetworkSpec DigitsMlp = new(
        LayerSpec.Linear(64, 64), LayerSpec.Tanh(), LayerSpec.Linear(64, 64), LayerSpec.Tanh(), LayerSpec.Linear(64, 64), LayerSpec.Tanh(), LayerSpec.Linear(64, 10));

    private static (Dataset Train, Dataset Test)? _digits;
    internal static (Dataset Train, Dataset Test) Digits => _digits ??= HesScale.Gpu.Data.Digits.LoadStandardizedSplit();

    /// <summary>A small slice of the digits for simulator runs.</summary>
    internal static (Dataset Train, Dataset Test) SmallDigits(int train, int test) =>
        (Digits.Train.Subset(Enumerable.Range(0, train).ToArray()), Digits.Test.Subset(Enumerable.Range(0, test).ToArray()));

    [TestMethod]
    [DataRow("adam", 1e-2f)]
    [DataRow("adahesscale", 1e-2f)]
    public void Learns_the_digits_in_three_epochs_on_native(string name, float lr)
    {
        using var net = new Network(Devices.Native, DigitsMlp, seed: 1);
        using var opt = Optimizer.Create(name, net, new OptimizerSettings { LearningRate = lr });
        using var trainer = new Trainer(net, opt, Digits.Train, Digits.Test, new TrainingOptions { BatchSize = 32, ShuffleSeed = 3 });
        double before = trainer.Accuracy(Digits.Test);
        EpochResult last = trainer.RunEpoch();
        double firstLoss = last.TrainLoss;
        for (int e = 0; e < 2; e++) last = trainer.RunEpoch();
        Assert.AreEqual(3, last.Epoch);
        Assert.IsLessThan(firstLoss, last.TrainLoss);
        Assert.IsGreaterThan(0.9, last.TestAccuracy, $"{name}: accuracy {last.TestAccuracy} (before training {before})");
        Assert.AreEqual(3 * trainer.BatchesPerEpoch, opt.Steps);
    }

    [TestMethod]
    public void Same_seed_same_run_and_epoch_loss_is_the_sample_mean_of_batch_losses()
    {
        var (train, test) = SmallDigits(203, 50);
        var options = new TrainingOptions { BatchSize = 17, ShuffleSeed = 9 };
        double[] Run(out double manualMean)
        {
            using var net = new Network(Devices.Native, DigitsMlp, seed: 2);
            using var opt = Optimizer.Create("adam", net, new OptimizerSettings());
            using var trainer = new Trainer(net, opt, train, test, options);
            double sum = 0;
            for (int b = 0; b < trainer.BatchesPerEpoch; b++)
            {
                int n = Math.Min(17, 203 - b * 17);
                sum += trainer.TrainStep() * (double)n;
            }
            manualMean = sum / 203;
            var r = trainer.RunEpoch();
            Assert.AreEqual(manualMean, r.TrainLoss, 1e-12);
            return [r.TrainLoss, r.TestAccuracy, .. net.GetParameter(0).Select(v => (double)v)];
        }
        var a = Run(out _);
        var b = Run(out _);
        CollectionAssert.AreEqual(a, b);
    }

    [TestMethod]
    public void Shuffle_is_a_permutation_and_depends_on_the_seed()
    {
        var x = Enumerable.Range(0, 101).ToArray();
        var y = Enumerable.Range(0, 101).ToArray();
        new SplitMix64(1).Shuffle(x);
        new SplitMix64(2).Shuffle(y);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 101).ToArray(), x);
        CollectionAssert.AreNotEqual(x, y);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 101).ToArray(), x);
    }

    [TestMethod]
    public void Mismatched_data_is_refused()
    {
        using var net = new Network(Devices.Native, new NetworkSpec(LayerSpec.Linear(5, 10)));
        using var opt = Optimizer.Create("sgd", net, new OptimizerSettings());
        var e = Assert.ThrowsExactly<ArgumentException>(() => new Trainer(net, opt, Digits.Train, Digits.Test, new TrainingOptions()));
        StringAssert.Contains(e.Message, "64 features");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TrainingOptions { BatchSize = 0 }.Validate());
    }
}
