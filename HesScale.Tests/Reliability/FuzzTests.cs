using System.Text;
using System.Text.RegularExpressions;
using HesScale.Bench.Training;
using HesScale.Gpu;
using HesScale.Gpu.Checkpoints;
using HesScale.Gpu.Data;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Training;
using HesScale.Tests.Cli;
using HesScale.Tests.Engine;
using HesScale.Tests.Golden;
using HesScale.Tests.Training;

namespace HesScale.Tests.Reliability;

/// <summary>
/// Issue 14: seeded fuzzing of every reader of user files with inputs mutated from valid ones
/// (truncations, bit flips, huge declared sizes). Each input is either accepted or refused with
/// the reader's own exception naming the file; never another exception, never more memory than a
/// small multiple of the input (measured on the calling thread), never an output for a bad input.
/// </summary>
[TestClass]
public sealed partial class FuzzTests
{
    private const int Seed = 1414;

    /// <summary>Big values for declared sizes: past int, past Array.MaxLength, just fitting.</summary>
    private static readonly int[] HugeSizes = [int.MaxValue, int.MinValue, 1 << 30, 0x7FFFFFC7, 65536, -1, 0];

    private static long AllocatedBy(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>
    /// One mutation of <paramref name="valid"/>: a truncation, 1-4 bit flips, or a big-endian or
    /// little-endian huge size written over 4 bytes at one of <paramref name="sizeOffsets"/> (or anywhere).
    /// </summary>
    private static byte[] Mutate(Random rng, byte[] valid, IReadOnlyList<int> sizeOffsets)
    {
        var b = (byte[])valid.Clone();
        switch (rng.Next(3))
        {
            case 0:
                return b[..rng.Next(b.Length)];
            case 1:
                for (int k = 0, n = 1 + rng.Next(4); k < n; k++) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                return b;
            default:
                int at = sizeOffsets.Count > 0 && rng.Next(4) > 0 ? sizeOffsets[rng.Next(sizeOffsets.Count)] : rng.Next(Math.Max(1, b.Length - 4));
                if (at + 4 > b.Length) return b;
                int size = HugeSizes[rng.Next(HugeSizes.Length)];
                if (rng.Next(2) == 0) System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(at), size);
                else System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(at), size);
                return b;
        }
    }

    [GeneratedRegex(@"-?[0-9][0-9.eE+\-]*")]
    private static partial Regex NumberToken();

    private static readonly string[] OddNumbers = ["1e300", "1e999", "-1", "0", "2147483648", "134217728", "1e-320", "3.5", "[]", "null", "\"7\""];

    /// <summary>A case file mutated as text (a number replaced by an odd one) or as bytes.</summary>
    private static byte[] MutateCase(Random rng, string valid)
    {
        if (rng.Next(2) == 0) return Mutate(rng, Encoding.UTF8.GetBytes(valid), []);
        var numbers = NumberToken().Matches(valid);
        var m = numbers[rng.Next(numbers.Count)];
        return Encoding.UTF8.GetBytes(valid[..m.Index] + OddNumbers[rng.Next(OddNumbers.Length)] + valid[(m.Index + m.Length)..]);
    }

    [TestMethod]
    public void Diag_on_mutated_cases()
    {
        var rng = new Random(Seed);
        using var run = new CliRun();
        string valid = File.ReadAllText(GoldenData.CasePath("case-001")); // 1.7 kB: linear 3 -> 1, MSE
        string validCe = File.ReadAllText(GoldenData.CasePath("case-006"));
        int accepted = 0;
        for (int i = 0; i < 1000; i++)
        {
            byte[] input = MutateCase(rng, i % 2 == 0 ? valid : validCe);
            string folder = run.PathOf($"f{i}");
            Directory.CreateDirectory(folder);
            string casePath = Path.Combine(folder, "case-000.json"), outDir = Path.Combine(folder, "out");
            File.WriteAllBytes(casePath, input);
            Directory.CreateDirectory(outDir);
            int code = -1;
            long allocated = AllocatedBy(() => code = run.Diag("--case", casePath, "--methods", "gradient,hesscale", "--out", outDir, "--device", "cpu"));
            string what = $"mutation {i}: exit {code}, stderr: {run.Stderr}";
            Assert.IsTrue(code is 0 or 1, what);
            Assert.IsLessThan(64L * input.Length + (8L << 20), allocated, what);
            if (code == 0)
            {
                accepted++;
                CollectionAssert.AreEqual(new[] { "case-000.json" }, CliRun.FilesIn(outDir), what);
            }
            else
            {
                Assert.AreEqual(1, run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length, what);
                Assert.Contains("case-000.json", run.Stderr, what);
                Assert.IsEmpty(CliRun.FilesIn(outDir), what);
            }
            Directory.Delete(folder, recursive: true);
        }
        Assert.IsGreaterThan(0, accepted, "some mutations (changed numbers) are still valid cases");
    }

    [TestMethod]
    public void Idx_loader_on_mutated_files()
    {
        var rng = new Random(Seed + 1);
        using var scratch = new Scratch();
        byte[] images = IdxBytes.Idx(Enumerable.Range(0, 6 * 16).Select(v => (byte)(v * 5)).ToArray(), 6, 4, 4);
        byte[] labels = IdxBytes.Idx([0, 1, 2, 3, 4, 9], 6);
        int[] sizeOffsets = [0, 4, 8, 12];
        int refused = 0;
        for (int i = 0; i < 1500; i++)
        {
            bool gzip = rng.Next(2) == 0, imagesBroken = rng.Next(3) > 0;
            byte[] MaybeZip(byte[] b) => gzip ? IdxBytes.Gzip(b) : b;
            // Mutate the plain bytes (then compress), or the compressed bytes themselves.
            byte[] Broken(byte[] b) => gzip && rng.Next(2) == 0 ? Mutate(rng, MaybeZip(b), []) : MaybeZip(Mutate(rng, b, sizeOffsets));
            byte[] img = imagesBroken ? Broken(images) : MaybeZip(images), lab = imagesBroken ? MaybeZip(labels) : Broken(labels);
            string suffix = gzip ? ".gz" : "";
            string imgPath = scratch.PathOf($"images-{i}{suffix}"), labPath = scratch.PathOf($"labels-{i}{suffix}");
            File.WriteAllBytes(imgPath, img);
            File.WriteAllBytes(labPath, lab);
            string what = $"mutation {i} ({(imagesBroken ? "images" : "labels")}, gzip {gzip})";
            long allocated = AllocatedBy(() =>
            {
                try
                {
                    var data = IdxDatasets.LoadPair(imgPath, labPath, "fuzz");
                    Assert.AreEqual(data.Count * data.FeatureCount, data.Features.Length, what);
                }
                catch (InvalidDataException e)
                {
                    refused++;
                    Assert.IsTrue(e.Message.Contains($"images-{i}", StringComparison.Ordinal) || e.Message.Contains($"labels-{i}", StringComparison.Ordinal), $"{what}: {e.Message}");
                }
            });
            Assert.IsLessThan(64L * (images.Length + labels.Length) + (1L << 20), allocated, what);
            File.Delete(imgPath);
            File.Delete(labPath);
        }
        Assert.IsGreaterThan(1000, refused);
    }

    [TestMethod]
    public void Cifar_loader_on_mutated_files()
    {
        var rng = new Random(Seed + 2);
        using var scratch = new Scratch();
        var valid = new byte[3 * Cifar10.RecordLength];
        for (int i = 0; i < valid.Length; i++) valid[i] = i % Cifar10.RecordLength == 0 ? (byte)(i / Cifar10.RecordLength) : (byte)(i * 13);
        int[] labelOffsets = [0, Cifar10.RecordLength, 2 * Cifar10.RecordLength];
        for (int i = 0; i < 400; i++)
        {
            byte[] input = Mutate(rng, valid, labelOffsets);
            string path = scratch.PathOf($"data_batch_{i}.bin");
            File.WriteAllBytes(path, input);
            long allocated = AllocatedBy(() =>
            {
                try
                {
                    var data = Cifar10.LoadBatches([path], "fuzz");
                    Assert.AreEqual(input.Length / Cifar10.RecordLength, data.Count);
                }
                catch (InvalidDataException e)
                {
                    Assert.Contains($"data_batch_{i}.bin", e.Message);
                }
            });
            Assert.IsLessThan(64L * valid.Length + (1L << 20), allocated, $"mutation {i}");
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Checkpoint_reader_on_mutated_files()
    {
        var rng = new Random(Seed + 3);
        var spec = new NetworkSpec(LayerSpec.Linear(64, 5), LayerSpec.Tanh(), LayerSpec.Linear(5, 10));
        var (train, test) = TrainerTests.SmallDigits(40, 10);
        var settings = new OptimizerSettings { LearningRate = 1e-2f };
        using var network = new Network(Devices.Native, spec, seed: 1);
        using var optimizer = Optimizer.Create("adam", network, settings);
        using var trainer = new Trainer(network, optimizer, train, test, new TrainingOptions { BatchSize = 16 });
        trainer.TrainStep();
        var history = "adam,0.01,0,1,2.25,0.5,0.1000\nadam,0.01,0,2,2.0,0.6,0.1000";
        using var scratch = new Scratch();
        string file = scratch.PathOf("valid.ckpt");
        Checkpoint.Capture(network, optimizer, trainer, new Dictionary<string, string> { ["history"] = history }).Save(file);
        byte[] valid = File.ReadAllBytes(file);
        // Where sizes live: payload length, architecture string length, tensor count, first rows/cols.
        int arch = valid[20]; // 7-bit length prefix (< 128 here)
        int tensors = 21 + arch;
        int[] sizeOffsets = [12, 20, tensors, tensors + 4 + 14, tensors + 4 + 18];

        int loaded = 0;
        for (int i = 0; i < 1500; i++)
        {
            byte[] input = Mutate(rng, valid, sizeOffsets);
            if (rng.Next(4) > 0) input = CheckpointTensorTests.Reseal(input); // reach the payload parser past the checksum
            string path = scratch.PathOf($"m{i}.ckpt");
            File.WriteAllBytes(path, input);
            string what = $"mutation {i}";
            long allocated = AllocatedBy(() =>
            {
                Checkpoint saved;
                try
                {
                    saved = Checkpoint.Load(path);
                }
                catch (CheckpointFormatException e)
                {
                    Assert.Contains($"m{i}.ckpt", e.Message, what);
                    return;
                }
                loaded++;
                try
                {
                    saved.Restore(network, optimizer, trainer);
                }
                catch (CheckpointFormatException)
                {
                }
                if (saved.Metadata.TryGetValue("history", out var rows))
                {
                    try
                    {
                        TrainReport.ParseRows(rows);
                    }
                    catch (FormatException)
                    {
                    }
                }
            });
            Assert.IsLessThan(64L * valid.Length + (4L << 20), allocated, what);
            File.Delete(path);
        }
        Assert.IsGreaterThan(0, loaded, "resealed bit flips in float data still load");
    }
}
