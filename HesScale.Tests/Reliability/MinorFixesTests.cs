using System.Text.Json.Nodes;
using HesScale.Gpu;
using HesScale.Gpu.Checkpoints;
using HesScale.Tests.Cli;
using HesScale.Tests.Golden;

namespace HesScale.Tests.Reliability;

/// <summary>Issue 14, item 7: the minor findings, one test each.</summary>
[TestClass]
public sealed class MinorFixesTests
{
    [TestMethod]
    public void Weight_that_is_not_a_finite_float_names_the_file_and_field()
    {
        using var run = new CliRun();
        var node = JsonNode.Parse(File.ReadAllText(GoldenData.CasePath("case-006")))!;
        node["layers"]![0]!["weight"]![1]![2] = 1e300;
        string path = run.PathOf("case-big.json");
        File.WriteAllText(path, node.ToJsonString());
        string outDir = run.PathOf("out");
        Directory.CreateDirectory(outDir);
        Assert.AreEqual(1, run.Diag("--case", path, "--methods", "gradient", "--out", outDir, "--device", "cpu"));
        Assert.Contains("case-big.json: layers[0].weight[1][2]: 1E+300 is not finite in single precision", run.Stderr);
        Assert.IsEmpty(CliRun.FilesIn(outDir));
        // The double-precision reference can take it: exact from the reference only is computed.
        Assert.AreEqual(0, run.Diag("--case", path, "--methods", "exact", "--exact-from", "reference", "--out", outDir, "--device", "cpu"), run.Stderr);
    }

    [TestMethod]
    public void Empty_optimizer_list_is_a_usage_error_and_keeps_train_csv()
    {
        using var scratch = new Scratch();
        string csv = scratch.PathOf("train.csv");
        File.WriteAllText(csv, "kept\n");
        var (code, _, stderr) = Scratch.Train("--optimizers", ",", "--epochs", "1", "--device", "cpu", "--out", scratch.Root);
        Assert.AreEqual(2, code, stderr);
        Assert.Contains("--optimizers names no optimizer", stderr);
        Assert.AreEqual("kept\n", File.ReadAllText(csv));
    }

    [TestMethod]
    public void Unwritable_checkpoint_path_is_reported_before_training()
    {
        using var scratch = new Scratch();
        string blocker = scratch.PathOf("a-file");
        File.WriteAllText(blocker, "");
        string ckpt = Path.Combine(blocker, "run.ckpt"); // a folder that is a file
        var (code, _, stderr) = Scratch.Train("--optimizers", "sgd", "--epochs", "1", "--hidden", "3", "--checkpoint", ckpt, "--device", "cpu", "--out", scratch.PathOf("out"));
        Scratch.AssertOneLineError(code, stderr, ckpt, "cannot be written");
        Assert.DoesNotContain("epoch 1/1", stderr, "refused before the first epoch");
        Assert.IsFalse(Directory.Exists(scratch.PathOf("out")));
    }

    [TestMethod]
    public void Temporary_files_of_a_killed_run_are_cleaned_up()
    {
        using var run = new CliRun();
        const int deadPid = 2_000_000_000; // above any pid_max: no such process
        string outDir = run.PathOf("out");
        Directory.CreateDirectory(outDir);
        string stale = Path.Combine(outDir, $".case-006.json.{deadPid}.{Guid.NewGuid():N}.tmp");
        string live = Path.Combine(outDir, $".case-006.json.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        string unrelated = Path.Combine(outDir, ".case-006.json.notes.tmp");
        foreach (var f in new[] { stale, live, unrelated }) File.WriteAllText(f, "{");
        Assert.AreEqual(0, run.Diag("--case", GoldenData.CasePath("case-006"), "--methods", "gradient", "--out", outDir, "--device", "cpu"), run.Stderr);
        Assert.IsFalse(File.Exists(stale), "a dead process's temporary file is removed");
        Assert.IsTrue(File.Exists(live), "a live process's temporary file is kept");
        Assert.IsTrue(File.Exists(unrelated), "files not named like ours are kept");

        // Checkpoints: the current name and the one used before (NAME.PID.GUID.tmp).
        string ckpt = run.PathOf("run.ckpt");
        string staleCkpt = $"{ckpt}.{deadPid}.{Guid.NewGuid():N}.tmp";
        string staleHidden = run.PathOf($".run.ckpt.{deadPid}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(staleCkpt, "x");
        File.WriteAllText(staleHidden, "x");
        using var network = new Network(Engine.Devices.Native, new NetworkSpec(LayerSpec.Linear(2, 2)));
        Checkpoint.Capture(network).Save(ckpt);
        Assert.IsFalse(File.Exists(staleCkpt));
        Assert.IsFalse(File.Exists(staleHidden));
        Assert.IsTrue(File.Exists(ckpt));
    }

    [TestMethod]
    public void Threads_beyond_the_core_count_are_a_usage_error()
    {
        using var run = new CliRun();
        int code = run.Diag("--case", GoldenData.CasePath("case-006"), "--methods", "gradient", "--out", run.PathOf("r.json"), "--device", "cpu", "--threads", "1000");
        Assert.AreEqual(2, code);
        Assert.Contains($"--threads 1000 is more than this machine's {Environment.ProcessorCount} cores", run.Stderr);
        Assert.IsFalse(File.Exists(run.PathOf("r.json")));
    }

    /// <summary>Both backends refuse a network whose device was disposed, with the same exception; disposing the network afterwards is fine.</summary>
    [TestMethod]
    [DataRow(DeviceKind.Cpu)]
    [DataRow(DeviceKind.IlgpuCpu)]
    public void Network_on_a_disposed_device_refuses_alike_on_both_backends(DeviceKind kind)
    {
        var device = ComputeDevice.Create(kind);
        var spec = new NetworkSpec(LayerSpec.Linear(3, 2));
        var network = new Network(device, spec);
        device.Dispose();
        var e = Assert.ThrowsExactly<ObjectDisposedException>(() => network.Forward(new float[3], 1));
        Assert.Contains("ComputeDevice", e.Message);
        Assert.Contains("was disposed before this Network", e.Message);
        Assert.ThrowsExactly<ObjectDisposedException>(() => network.GetParameter(0));
        Assert.ThrowsExactly<ObjectDisposedException>(() => network.Backward(new float[3], 1, Targets.FromClasses([1]), new LossSpec(LossKind.CrossEntropy, Reduction.Mean)));
        network.Dispose();
    }
}
