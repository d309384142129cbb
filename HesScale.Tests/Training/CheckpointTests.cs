using HesScale.Bench.Training;
using HesScale.Gpu;
using HesScale.Gpu.Checkpoints;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Training;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Training;

[TestClass]
public sealed class CheckpointTests
{
    private static string TempFolder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hesscale-ckpt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static readonly NetworkSpec SmallMlp = new(LayerSpec.Linear(64, 13), LayerSpec.Tanh(), LayerSpec.Linear(13, 10));

    /// <summary>
    /// A checkpoint whose training progress does not fit the trainer (stopped at batch 3 of 7; the new
    /// trainer has 2 batches per epoch) is refused before the optimizer's state is touched.
    /// </summary>
    [TestMethod]
    public void Progress_that_does_not_fit_leaves_the_optimizer_untouched()
    {
        var device = Devices.Get(DeviceKind.Cpu);
        var (train, test) = TrainerTests.SmallDigits(101, 40);
        var settings = new OptimizerSettings { LearningRate = 3e-3f };
        Checkpoint saved;
        using (var first = new Network(device, SmallMlp, seed: 4))
        using (var firstOpt = Optimizer.Create("adam", first, settings))
        {
            using var firstTrainer = new Trainer(first, firstOpt, train, test, new TrainingOptions { BatchSize = 16 });
            for (int i = 0; i < 3; i++) firstTrainer.TrainStep();
            saved = Checkpoint.Capture(first, firstOpt, firstTrainer);
        }
        using var other = new Network(device, SmallMlp, seed: 9);
        using var otherOpt = Optimizer.Create("adam", other, settings);
        using var otherTrainer = new Trainer(other, otherOpt, train, test, new TrainingOptions { BatchSize = 64 });
        var before = other.GetParameter(0);
        Assert.ThrowsExactly<CheckpointFormatException>(() => saved.Restore(other, otherOpt, otherTrainer));
        Assert.AreEqual(0, otherOpt.Steps, "the optimizer's state was replaced by a refused checkpoint");
        Assert.AreEqual(0, otherTrainer.BatchInEpoch);
        CollectionAssert.AreEqual(before, other.GetParameter(0));
    }

    /// <summary>
    /// Train 2k steps straight; and k steps, checkpoint to disk, load into a fresh network (other
    /// initial values), optimizer and trainer, k more steps. k = 10 with 7 batches per epoch, so
    /// the interrupted run stops mid-epoch and both cross an epoch boundary.
    /// </summary>
    [TestMethod]
    [DataRow(DeviceKind.IlgpuCpu, "scaled_adahesscale")]
    [DataRow(DeviceKind.IlgpuCpu, "adam")]
    [DataRow(DeviceKind.Cpu, "sgd")]
    [DataRow(DeviceKind.Cpu, "adahesscale_gn")]
    [DataRow(DeviceKind.Cpu, "scaled_adam")]
    [DataRow(DeviceKind.Cpu, "adahessian")]
    [DataRow(DeviceKind.IlgpuCpu, "adaggnmc")]
    public void Resumed_run_matches_the_uninterrupted_one_bit_for_bit(DeviceKind kind, string name)
    {
        var device = Devices.Get(kind);
        var (train, test) = TrainerTests.SmallDigits(101, 40);
        var options = new TrainingOptions { BatchSize = 16, ShuffleSeed = 5 };
        var settings = new OptimizerSettings { LearningRate = 3e-3f, Momentum = 0.9f, WeightDecay = 1e-4f, Samples = 2, Seed = 8 };
        const int k = 10;

        using var straight = new Network(device, SmallMlp, seed: 4);
        using var straightOpt = Optimizer.Create(name, straight, settings);
        using var straightTrainer = new Trainer(straight, straightOpt, train, test, options);
        var straightEpochs = new List<EpochResult>();
        Advance(straightTrainer, 2 * k, straightEpochs);

        string dir = TempFolder();
        string file = Path.Combine(dir, "run.ckpt");
        var firstEpochs = new List<EpochResult>();
        using (var first = new Network(device, SmallMlp, seed: 4))
        using (var firstOpt = Optimizer.Create(name, first, settings))
        {
            using var firstTrainer = new Trainer(first, firstOpt, train, test, options);
            Advance(firstTrainer, k, firstEpochs);
            Checkpoint.Capture(first, firstOpt, firstTrainer).Save(file);
        }

        var loaded = Checkpoint.Load(file);
        using var resumed = new Network(device, SmallMlp, seed: 99);
        using var resumedOpt = Optimizer.Create(name, resumed, loaded.OptimizerSettings!);
        using var resumedTrainer = new Trainer(resumed, resumedOpt, train, test, options);
        loaded.Restore(resumed, resumedOpt, resumedTrainer);
        Assert.AreEqual(k, resumedOpt.Steps);
        Advance(resumedTrainer, k, firstEpochs);

        foreach (var p in SmallMlp.Parameters)
            CollectionAssert.AreEqual(straight.GetParameter(p.Index), resumed.GetParameter(p.Index), $"{name} tensor {p.Index}");
        var a = straightOpt.GetState();
        var b = resumedOpt.GetState();
        Assert.AreEqual(a.Steps, b.Steps);
        Assert.AreEqual(a.LastScale, b.LastScale);
        foreach (string slot in a.Slots.Keys)
            for (int p = 0; p < SmallMlp.Parameters.Count; p++) CollectionAssert.AreEqual(a.Get(slot, p), b.Get(slot, p), $"slot {slot}");
        Assert.HasCount(straightEpochs.Count, firstEpochs);
        for (int e = 0; e < straightEpochs.Count; e++)
        {
            Assert.AreEqual(straightEpochs[e].TrainLoss, firstEpochs[e].TrainLoss, $"epoch {e + 1} loss");
            Assert.AreEqual(straightEpochs[e].TestAccuracy, firstEpochs[e].TestAccuracy, $"epoch {e + 1} accuracy");
        }
        Assert.AreEqual(straightTrainer.Progress with { EpochSeconds = 0 }, resumedTrainer.Progress with { EpochSeconds = 0 });
        Directory.Delete(dir, true);
    }

    /// <summary>Runs <paramref name="steps"/> steps, evaluating (RunEpoch) whenever an epoch's batches are done.</summary>
    private static void Advance(Trainer trainer, int steps, List<EpochResult> epochs)
    {
        for (int s = 0; s < steps; s++)
        {
            trainer.TrainStep();
            if (trainer.BatchInEpoch == trainer.BatchesPerEpoch) epochs.Add(trainer.RunEpoch());
        }
    }

    private static (string File, string Dir) SavedCheckpoint()
    {
        string dir = TempFolder();
        string file = Path.Combine(dir, "a.ckpt");
        using var net = new Network(Devices.Native, SmallMlp, seed: 1);
        using var opt = Optimizer.Create("adam", net, new OptimizerSettings());
        Checkpoint.Capture(net, opt, metadata: new Dictionary<string, string> { ["data"] = "digits" }).Save(file);
        return (file, dir);
    }

    [TestMethod]
    public void Round_trip_keeps_everything_and_leaves_no_temporary_file()
    {
        var (file, dir) = SavedCheckpoint();
        // Overwrite the same path: the rename replaces it.
        using var net = new Network(Devices.Native, SmallMlp, seed: 7);
        using var opt = Optimizer.Create("adam", net, new OptimizerSettings { LearningRate = 0.5f });
        var (x, y) = (TrainerTests.Digits.Train.Features.AsSpan(0, 3 * 64).ToArray(), new[] { 1, 2, 3 });
        opt.Step(net.Backward(x, 3, Targets.FromClasses(y), LossSpec.CrossEntropy()));
        Checkpoint.Capture(net, opt, metadata: new Dictionary<string, string> { ["k"] = "v" }).Save(file);
        CollectionAssert.AreEqual(new[] { "a.ckpt" }, Directory.GetFiles(dir).Select(Path.GetFileName).ToArray());

        var loaded = Checkpoint.Load(file);
        Assert.AreEqual(Architecture.Describe(SmallMlp), loaded.Architecture);
        Assert.AreEqual("linear(64,13,bias) tanh linear(13,10,bias)", loaded.Architecture);
        Assert.AreEqual(opt.Settings, loaded.OptimizerSettings);
        Assert.AreEqual(1, loaded.OptimizerState!.Steps);
        Assert.AreEqual("v", loaded.Metadata["k"]);
        for (int p = 0; p < SmallMlp.Parameters.Count; p++)
        {
            CollectionAssert.AreEqual(net.GetParameter(p), loaded.Parameters[p]);
            CollectionAssert.AreEqual(opt.GetState().Get("exp_avg_sq", p), loaded.OptimizerState.Get("exp_avg_sq", p));
        }
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Wrong_architecture_optimizer_or_settings_is_refused()
    {
        var (file, dir) = SavedCheckpoint();
        var loaded = Checkpoint.Load(file);
        using var other = new Network(Devices.Native, new NetworkSpec(LayerSpec.Linear(64, 13), LayerSpec.ReLU(), LayerSpec.Linear(13, 10)));
        var e = Assert.ThrowsExactly<CheckpointFormatException>(() => loaded.Restore(other));
        StringAssert.Contains(e.Message, "relu");
        StringAssert.Contains(e.Message, "tanh");

        using var net = new Network(Devices.Native, SmallMlp);
        using var sgd = Optimizer.Create("sgd", net, new OptimizerSettings());
        StringAssert.Contains(Assert.ThrowsExactly<CheckpointFormatException>(() => loaded.Restore(net, sgd)).Message, "'adam'");
        using var adam = Optimizer.Create("adam", net, new OptimizerSettings { LearningRate = 0.1f });
        StringAssert.Contains(Assert.ThrowsExactly<CheckpointFormatException>(() => loaded.Restore(net, adam)).Message, "settings");
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Corrupted_truncated_foreign_or_future_files_are_refused_with_the_reason()
    {
        var (file, dir) = SavedCheckpoint();
        byte[] good = File.ReadAllBytes(file);
        string Fail(byte[] bytes)
        {
            string path = Path.Combine(dir, "bad.ckpt");
            File.WriteAllBytes(path, bytes);
            var e = Assert.ThrowsExactly<CheckpointFormatException>(() => Checkpoint.Load(path));
            StringAssert.Contains(e.Message, "bad.ckpt");
            return e.Message;
        }

        var flipped = (byte[])good.Clone();
        flipped[good.Length / 2] ^= 0x40;
        StringAssert.Contains(Fail(flipped), "checksum");
        StringAssert.Contains(Fail(good[..(good.Length - 100)]), "truncated");
        var version = (byte[])good.Clone();
        version[8] = 2;
        StringAssert.Contains(Fail(version), "version 2");
        var magic = (byte[])good.Clone();
        magic[0] = (byte)'X';
        StringAssert.Contains(Fail(magic), "magic");
        StringAssert.Contains(Fail(good[..10]), "truncated");
        Directory.Delete(dir, true);
    }
}
