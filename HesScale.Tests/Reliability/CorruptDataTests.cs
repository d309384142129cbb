using HesScale.Bench;
using HesScale.Gpu.Checkpoints;
using HesScale.Tests.Training;

namespace HesScale.Tests.Reliability;

/// <summary>
/// Issue 14, item 2: a corrupt data file or a malformed checkpoint ends <c>train</c> with one line
/// naming the file and what is wrong (exit 1), never a stack trace; and the last-resort handler of
/// <c>Main</c> turns an unexpected exception into one line too.
/// </summary>
[TestClass]
public sealed class CorruptDataTests
{
    /// <summary>The four MNIST files for n images of 4 x 4 pixels (labels i mod 10).</summary>
    internal static Dictionary<string, byte[]> Mnist(int n)
    {
        byte[] images = IdxBytes.Idx(Enumerable.Range(0, n * 16).Select(v => (byte)(v * 7)).ToArray(), n, 4, 4);
        byte[] labels = IdxBytes.Idx(Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray(), n);
        return new()
        {
            ["train-images-idx3-ubyte"] = images,
            ["train-labels-idx1-ubyte"] = labels,
            ["t10k-images-idx3-ubyte"] = images,
            ["t10k-labels-idx1-ubyte"] = labels,
        };
    }

    /// <summary>Each way a file can be corrupt, applied to the training images or labels.</summary>
    [TestMethod]
    [DataRow("train-images-idx3-ubyte", "magic", "not an IDX file")]
    [DataRow("train-images-idx3-ubyte", "truncate", "truncated at offset")]
    [DataRow("train-images-idx3-ubyte", "trailing", "unexpected bytes")]
    [DataRow("train-labels-idx1-ubyte", "count", "labels for")]
    [DataRow("train-labels-idx1-ubyte", "label", "label 12 is outside")]
    [DataRow("train-images-idx3-ubyte.gz", "gzip-truncate", "train-images-idx3-ubyte.gz")]
    public void Corrupt_idx_file_is_a_one_line_error(string file, string corruption, string what)
    {
        using var scratch = new Scratch();
        string dir = scratch.PathOf("mnist");
        Directory.CreateDirectory(dir);
        foreach (var (name, bytes) in Mnist(20))
        {
            byte[] content = bytes;
            if (name == file.Replace(".gz", "", StringComparison.Ordinal))
            {
                content = corruption switch
                {
                    "magic" => [1, .. bytes[1..]],
                    "truncate" => bytes[..^5],
                    "trailing" => [.. bytes, 0, 0],
                    "count" => IdxBytes.Idx(bytes[8..^1], 19),
                    "label" => [.. bytes[..^1], 12],
                    "gzip-truncate" => IdxBytes.Gzip(bytes)[..(IdxBytes.Gzip(bytes).Length / 2)],
                    _ => throw new ArgumentException(corruption),
                };
            }
            File.WriteAllBytes(Path.Combine(dir, name == file.Replace(".gz", "", StringComparison.Ordinal) ? file : name), content);
        }
        string outDir = scratch.PathOf("out");
        var (code, _, stderr) = Scratch.Train("--data", "mnist:" + dir, "--optimizers", "sgd", "--epochs", "1", "--hidden", "3", "--device", "cpu", "--out", outDir);
        Scratch.AssertOneLineError(code, stderr, "hesscale train: error:", file, what);
        Assert.IsFalse(File.Exists(Path.Combine(outDir, "train.csv")), "nothing written for bad input");
    }

    [TestMethod]
    public void Empty_cifar_batch_is_a_one_line_error()
    {
        using var scratch = new Scratch();
        string dir = scratch.PathOf("cifar");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "data_batch_1.bin"), []);
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), new byte[3073]);
        var (code, _, stderr) = Scratch.Train("--data", "cifar10:" + dir, "--optimizers", "sgd", "--epochs", "1", "--device", "cpu", "--out", scratch.PathOf("out"));
        Scratch.AssertOneLineError(code, stderr, "data_batch_1.bin", "empty file");
    }

    /// <summary>A checkpoint with a valid checksum whose history metadata is not train.csv rows.</summary>
    [TestMethod]
    [DataRow("garbage")]
    [DataRow("sgd,0.1,0,1,abc,0.5,1.0")]
    [DataRow("sgd,0.1,0,7,0.5,0.5,1.0")]
    public void Checkpoint_with_a_malformed_history_is_a_one_line_error(string history)
    {
        using var scratch = new Scratch();
        string ckpt = scratch.PathOf("run.ckpt");
        string[] common = ["--optimizers", "sgd", "--lr", "0.1", "--hidden", "5", "--device", "cpu"];
        Assert.AreEqual(0, Scratch.Train([.. common, "--epochs", "1", "--checkpoint", ckpt, "--out", scratch.PathOf("first")]).Code);
        var saved = Checkpoint.Load(ckpt);
        var metadata = saved.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        metadata["history"] = history;
        new Checkpoint(saved.Architecture, saved.Parameters, saved.OptimizerSettings, saved.OptimizerState, saved.Progress, metadata).Save(ckpt);

        string outDir = scratch.PathOf("resumed");
        var (code, _, stderr) = Scratch.Train([.. common, "--epochs", "2", "--resume", ckpt, "--out", outDir]);
        Scratch.AssertOneLineError(code, stderr, ckpt, "history row 1");
        Assert.IsFalse(File.Exists(Path.Combine(outDir, "train.csv")));
    }

    [TestMethod]
    public void Unexpected_exception_is_one_line_and_the_trace_only_with_verbose()
    {
        Exception thrown;
        try
        {
            throw new NullReferenceException("a bug\nsecond line");
        }
        catch (NullReferenceException e)
        {
            thrown = e;
        }
        using var quiet = new StringWriter();
        Assert.AreEqual(1, Program.ReportUnexpected(thrown, quiet, verbose: false));
        string[] lines = quiet.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1, lines);
        StringAssert.StartsWith(lines[0], "hesscale: internal error: NullReferenceException: a bug second line");
        Assert.Contains("--verbose", lines[0]);

        using var verbose = new StringWriter();
        Assert.AreEqual(1, Program.ReportUnexpected(thrown, verbose, verbose: true));
        Assert.Contains("   at ", verbose.ToString());
    }
}
