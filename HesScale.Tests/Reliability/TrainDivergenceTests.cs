namespace HesScale.Tests.Reliability;

/// <summary>
/// Issue 14, item 3: a run that diverges is recorded as diverged and the sweep goes on: every other
/// run is kept and train.csv (replacing an older one) holds them all.
/// </summary>
[TestClass]
public sealed class TrainDivergenceTests
{
    [TestMethod]
    public void Diverging_run_is_recorded_and_the_others_are_kept()
    {
        using var scratch = new Scratch();
        string outDir = scratch.PathOf("out");
        Directory.CreateDirectory(outDir);
        string csv = Path.Combine(outDir, "train.csv");
        File.WriteAllText(csv, "an older train.csv\n");

        // SGD with a step of 3e38 overflows within the first epoch; 0.05 trains normally.
        var (code, stdout, stderr) = Scratch.Train("--optimizers", "sgd", "--lrs", "0.05,3e38", "--epochs", "2", "--hidden", "7", "--device", "cpu", "--out", outDir);
        Assert.AreEqual(0, code, stderr);
        Assert.Contains("DIVERGED", stderr);
        Assert.Contains("diverged runs: 1 of 2", stdout);
        Assert.Contains("sgd lr 3E+38 seed 0: epoch 1:", stdout);

        var rows = File.ReadAllLines(csv);
        Assert.AreEqual("optimizer,lr,seed,epoch,train_loss,test_accuracy,seconds", rows[0]);
        var good = rows.Where(r => r.StartsWith("sgd,0.05,0,", StringComparison.Ordinal)).ToArray();
        Assert.HasCount(2, good, string.Join('\n', rows));
        Assert.IsTrue(good.All(r => !r.Contains("NaN", StringComparison.Ordinal)), string.Join('\n', good));
        CollectionAssert.AreEqual(new[] { "sgd,3E+38,0,1,NaN,NaN,NaN" }, rows.Where(r => r.StartsWith("sgd,3E+38,", StringComparison.Ordinal)).ToArray());
        Assert.IsFalse(File.Exists(csv + ".tmp"));
        Assert.IsTrue(File.Exists(Path.Combine(outDir, "test_accuracy.png")));
    }

    [TestMethod]
    public void Every_run_diverging_still_writes_the_csv_and_exits_3()
    {
        using var scratch = new Scratch();
        string outDir = scratch.PathOf("out");
        var (code, stdout, stderr) = Scratch.Train("--optimizers", "sgd", "--lr", "3e38", "--epochs", "2", "--hidden", "7", "--device", "cpu", "--out", outDir);
        Assert.AreEqual(3, code, stderr);
        Assert.Contains("diverged runs: 1 of 1", stdout);
        CollectionAssert.AreEqual(new[] { "optimizer,lr,seed,epoch,train_loss,test_accuracy,seconds", "sgd,3E+38,0,1,NaN,NaN,NaN" },
            File.ReadAllLines(Path.Combine(outDir, "train.csv")));
    }
}
