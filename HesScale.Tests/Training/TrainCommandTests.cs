using HesScale.Bench.Commands;

namespace HesScale.Tests.Training;

[TestClass]
public sealed class TrainCommandTests
{
    private static string TempFolder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hesscale-train-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = TrainCommand.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [TestMethod]
    public void Sweep_writes_every_epoch_the_figures_and_the_best_rate()
    {
        string dir = TempFolder();
        var (code, stdout, stderr) = Run("--optimizers", "adam,adahesscale", "--lrs", "1e-3,1e-2", "--epochs", "2", "--seeds", "2",
            "--hidden", "17", "--device", "cpu", "--out", dir);
        Assert.AreEqual(0, code, stderr);
        StringAssert.Contains(stdout, "device: cpu");
        StringAssert.Contains(stdout, "best learning rate per optimizer");
        StringAssert.Contains(stderr, "adahesscale lr 0.01 seed 1: epoch 2/2");
        var lines = File.ReadAllLines(Path.Combine(dir, "train.csv"));
        Assert.AreEqual("optimizer,lr,seed,epoch,train_loss,test_accuracy,seconds", lines[0]);
        Assert.HasCount(1 + 2 * 2 * 2 * 2, lines);
        Assert.IsTrue(lines.Any(l => l.StartsWith("adahesscale,0.01,1,2,", StringComparison.Ordinal)));
        Assert.IsTrue(new FileInfo(Path.Combine(dir, "test_accuracy.png")).Length > 1000);
        Assert.IsTrue(File.Exists(Path.Combine(dir, "train_loss.png")));
        // The reported best rate is the one with the higher mean final accuracy in the CSV.
        var finals = lines.Skip(1).Select(l => l.Split(',')).Where(c => c[0] == "adam" && c[3] == "2")
            .GroupBy(c => c[1]).ToDictionary(g => g.Key, g => g.Average(c => double.Parse(c[5], System.Globalization.CultureInfo.InvariantCulture)));
        string best = finals.OrderByDescending(kv => kv.Value).ThenBy(kv => float.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture)).First().Key;
        Assert.IsTrue(stdout.Split('\n').Any(l => l.StartsWith("adam ", StringComparison.Ordinal) && l.Contains($" {best} ", StringComparison.Ordinal)), stdout);
        Directory.Delete(dir, true);
    }

    [TestMethod]
    public void Resumed_command_continues_the_uninterrupted_run()
    {
        string dir = TempFolder();
        string[] common = ["--optimizers", "scaled_adahesscale", "--lr", "3e-3", "--hidden", "19,11", "--batch", "64", "--device", "cpu"];
        Assert.AreEqual(0, Run([.. common, "--epochs", "3", "--out", Path.Combine(dir, "straight")]).Code);
        string ckpt = Path.Combine(dir, "run.ckpt");
        Assert.AreEqual(0, Run([.. common, "--epochs", "1", "--checkpoint", ckpt, "--out", Path.Combine(dir, "first")]).Code);
        var (code, _, stderr) = Run([.. common, "--epochs", "3", "--resume", ckpt, "--checkpoint", ckpt, "--out", Path.Combine(dir, "resumed")]);
        Assert.AreEqual(0, code, stderr);
        StringAssert.Contains(stderr, "resumed from");
        var (badCode, _, badErr) = Run([.. common.Select(a => a == "64" ? "32" : a), "--epochs", "3", "--resume", ckpt, "--out", Path.Combine(dir, "bad")]);
        Assert.AreEqual(1, badCode);
        StringAssert.Contains(badErr, "--batch 64");
        static string[] WithoutSeconds(string path) => File.ReadAllLines(path).Select(l => l[..l.LastIndexOf(',')]).ToArray();
        CollectionAssert.AreEqual(WithoutSeconds(Path.Combine(dir, "straight", "train.csv")), WithoutSeconds(Path.Combine(dir, "resumed", "train.csv")));
        Directory.Delete(dir, true);
    }

    [TestMethod]
    [DataRow("--optimizers", "adamw")]
    [DataRow("--lrs", "1e-3,abc")]
    [DataRow("--epochs", "0")]
    [DataRow("--data", "imagenet")]
    [DataRow("--checkpoint", "x.ckpt")]
    [DataRow("--beta2", "1")]
    public void Bad_command_lines_are_usage_errors(string option, string value)
    {
        string[] args = option == "--epochs" ? [option, value] : [option, value, "--epochs", "1"];
        var (code, _, stderr) = Run([.. args, "--device", "cpu", "--out", Path.GetTempPath()]);
        Assert.AreEqual(option == "--beta2" ? 1 : 2, code, stderr);
        string first = stderr.Split('\n')[0];
        StringAssert.StartsWith(first, "hesscale train:");
        StringAssert.Contains(first, option switch { "--beta2" => "Beta2", "--checkpoint" => "single run", _ => value.Split(',')[^1] });
    }

    [TestMethod]
    public void Missing_checkpoint_and_data_folder_are_errors()
    {
        string dir = TempFolder();
        var (code, _, stderr) = Run("--optimizers", "adam", "--resume", Path.Combine(dir, "none.ckpt"), "--device", "cpu", "--out", dir);
        Assert.AreEqual(1, code);
        StringAssert.Contains(stderr, "none.ckpt");
        (code, _, stderr) = Run("--data", "mnist:" + Path.Combine(dir, "nope"), "--device", "cpu", "--out", dir);
        Assert.AreEqual(1, code);
        StringAssert.Contains(stderr, "nope");
        Directory.Delete(dir, true);
    }
    [TestMethod]
    public void Train_samples_keeps_the_first_samples_and_refuses_more_than_the_data_has()
    {
        string dir = TempFolder();
        var (code, stdout, stderr) = Run("--optimizers", "adam", "--lr", "1e-3", "--epochs", "1", "--hidden", "7", "--batch", "16",
            "--train-samples", "100", "--device", "cpu", "--out", dir);
        Assert.AreEqual(0, code, stderr);
        StringAssert.Contains(stdout, "(100 train, 359 test,");
        (code, _, stderr) = Run("--optimizers", "adam", "--epochs", "1", "--train-samples", "100000", "--device", "cpu", "--out", dir);
        Assert.AreEqual(2, code, stderr);
        Assert.AreEqual("hesscale train: --train-samples 100000: digits has only 1438 training samples.", stderr.Split('\n')[0].TrimEnd());
        Directory.Delete(dir, true);
    }
    [TestMethod]
    public void Lr_per_optimizer_gives_each_its_rate_and_names_what_is_wrong()
    {
        string dir = TempFolder();
        var (code, _, stderr) = Run("--optimizers", "adam,sgd", "--lr", "sgd=0.05, adam=0.002", "--epochs", "1", "--hidden", "7",
            "--train-samples", "64", "--device", "cpu", "--out", dir);
        Assert.AreEqual(0, code, stderr);
        var runs = File.ReadAllLines(Path.Combine(dir, "train.csv")).Skip(1).Select(l => string.Join(',', l.Split(',')[..2])).ToArray();
        CollectionAssert.AreEqual(new[] { "adam,0.002", "sgd,0.05" }, runs);
        // --first-seed: seeds K..K+S-1, each the same run as in a command that starts at seed 0.
        (code, _, stderr) = Run("--optimizers", "adam", "--lr", "adam=0.002", "--epochs", "1", "--hidden", "7", "--train-samples", "64",
            "--seeds", "2", "--device", "cpu", "--out", Path.Combine(dir, "all"));
        Assert.AreEqual(0, code, stderr);
        (code, _, stderr) = Run("--optimizers", "adam", "--lr", "adam=0.002", "--epochs", "1", "--hidden", "7", "--train-samples", "64",
            "--seeds", "1", "--first-seed", "1", "--device", "cpu", "--out", Path.Combine(dir, "second"));
        Assert.AreEqual(0, code, stderr);
        static string WithoutSeconds(string line) => line[..line.LastIndexOf(',')];
        Assert.AreEqual(WithoutSeconds(File.ReadAllLines(Path.Combine(dir, "all", "train.csv"))[2]), WithoutSeconds(File.ReadAllLines(Path.Combine(dir, "second", "train.csv"))[1]));
        StringAssert.StartsWith(File.ReadAllLines(Path.Combine(dir, "second", "train.csv"))[1], "adam,0.002,1,1,");
        foreach (var (lr, message) in new[] { ("adam=0.002", "--lr names no rate for sgd."), ("adam=0.002,sgd=1,adam=3", "--lr gives adam twice."),
            ("adam=0.002,bl89=1", "--lr bl89=1: expected name=rate for one of --optimizers (adam, sgd)."), ("adam=x,sgd=1", "--lr expects numbers, got 'x'.") })
        {
            (code, _, stderr) = Run("--optimizers", "adam,sgd", "--lr", lr, "--epochs", "1", "--device", "cpu", "--out", dir);
            Assert.AreEqual(2, code, stderr);
            Assert.AreEqual("hesscale train: " + message, stderr.Split('\n')[0].TrimEnd());
        }
        Directory.Delete(dir, true);
    }
}
