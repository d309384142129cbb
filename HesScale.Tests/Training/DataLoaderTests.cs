using HesScale.Gpu.Data;

namespace HesScale.Tests.Training;

/// <summary>IDX (MNIST / Fashion-MNIST) and CIFAR-10 binary loaders on small files written here.</summary>
[TestClass]
public sealed class DataLoaderTests
{
    private static string TempFolder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hesscale-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>n images of 3 x 5 with pixel (i, j) = (7 i + j) mod 256 and labels i mod 10.</summary>
    private static void WriteMnist(string dir, string prefix, int n, bool gzip)
    {
        var pixels = Enumerable.Range(0, n * 15).Select(v => (byte)((7 * (v / 15) + v % 15) % 256)).ToArray();
        var labels = Enumerable.Range(0, n).Select(i => (byte)(i % 10)).ToArray();
        byte[] images = IdxBytes.Idx(pixels, n, 3, 5), labelFile = IdxBytes.Idx(labels, n);
        string suffix = gzip ? ".gz" : "";
        File.WriteAllBytes(Path.Combine(dir, $"{prefix}-images-idx3-ubyte{suffix}"), gzip ? IdxBytes.Gzip(images) : images);
        File.WriteAllBytes(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte{suffix}"), gzip ? IdxBytes.Gzip(labelFile) : labelFile);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Idx_files_load_plain_or_gzipped(bool gzip)
    {
        string dir = TempFolder();
        WriteMnist(dir, "train", 13, gzip);
        WriteMnist(dir, "t10k", 7, gzip);
        var (train, test) = IdxDatasets.Load(dir, "fashion");
        Assert.AreEqual(13, train.Count);
        Assert.AreEqual(7, test.Count);
        Assert.AreEqual(15, train.FeatureCount);
        Assert.AreEqual("fashion/train", train.Name);
        Assert.AreEqual(12 % 10, train.Labels[12]);
        Assert.AreEqual((7 * 12 + 4) % 256 / 255f, train.Features[12 * 15 + 4]);
        Assert.AreEqual((7 * 6 + 14) / 255f, test.Features[6 * 15 + 14]);
        Directory.Delete(dir, true);
    }

    private static string IdxError(byte[] bytes)
    {
        string dir = TempFolder();
        string path = Path.Combine(dir, "broken-idx3-ubyte");
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxFile.Read(path));
        StringAssert.Contains(e.Message, "broken-idx3-ubyte");
        StringAssert.Contains(e.Message, "offset");
        Directory.Delete(dir, true);
        return e.Message;
    }

    [TestMethod]
    public void Bad_idx_files_name_the_file_and_offset()
    {
        var good = IdxBytes.Idx(new byte[2 * 3 * 5], 2, 3, 5);
        StringAssert.Contains(IdxError(good[..(good.Length - 1)]), "truncated at offset 45");
        StringAssert.Contains(IdxError(good[..9]), "truncated at offset 9");
        var magic = (byte[])good.Clone();
        magic[0] = 1;
        StringAssert.Contains(IdxError(magic), "not an IDX file");
        var type = (byte[])good.Clone();
        type[2] = 0x0D;
        StringAssert.Contains(IdxError(type), "0x0D");
        StringAssert.Contains(IdxError([.. good, 0]), "unexpected bytes");
    }

    [TestMethod]
    public void Idx_label_out_of_range_and_count_mismatch_are_named()
    {
        string dir = TempFolder();
        string images = Path.Combine(dir, "i"), labels = Path.Combine(dir, "l");
        File.WriteAllBytes(images, IdxBytes.Idx(new byte[3 * 4], 3, 2, 2));
        File.WriteAllBytes(labels, IdxBytes.Idx([1, 12, 3], 3));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => IdxDatasets.LoadPair(images, labels, "x")).Message, "offset 9: label 12");
        File.WriteAllBytes(labels, IdxBytes.Idx([1, 2], 2));
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => IdxDatasets.LoadPair(images, labels, "x")).Message, "2 labels for 3 images");
        Assert.ThrowsExactly<FileNotFoundException>(() => IdxDatasets.Load(dir));
        Directory.Delete(dir, true);
    }

    private static byte[] CifarRecords(int n, int seed)
    {
        var bytes = new byte[n * Cifar10.RecordLength];
        for (int r = 0; r < n; r++)
        {
            bytes[r * Cifar10.RecordLength] = (byte)((r + seed) % 10);
            for (int j = 1; j < Cifar10.RecordLength; j++) bytes[r * Cifar10.RecordLength + j] = (byte)((r * 31 + j + seed) % 256);
        }
        return bytes;
    }

    [TestMethod]
    public void Cifar_batches_load_in_name_order()
    {
        string dir = Path.Combine(TempFolder(), "cifar-10-batches-bin");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "data_batch_2.bin"), CifarRecords(2, 5));
        File.WriteAllBytes(Path.Combine(dir, "data_batch_1.bin"), CifarRecords(3, 0));
        File.WriteAllBytes(Path.Combine(dir, "test_batch.bin"), CifarRecords(1, 7));
        var (train, test) = Cifar10.Load(Path.GetDirectoryName(dir)!);
        Assert.AreEqual(5, train.Count);
        Assert.AreEqual(1, test.Count);
        Assert.AreEqual(3072, train.FeatureCount);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 5, 6 }, train.Labels);
        Assert.AreEqual((0 * 31 + 1 + 5) % 256 / 255f, train.Features[3 * 3072 + 0]); // first pixel of batch 2's first record
        Assert.AreEqual((1 * 31 + 2 + 5) % 256 / 255f, train.Features[4 * 3072 + 1]);
        Assert.AreEqual((0 + 3072 + 7) % 256 / 255f, test.Features[3071]);
        Directory.Delete(Path.GetDirectoryName(dir)!, true);
    }

    [TestMethod]
    public void Bad_cifar_files_name_the_file_and_offset()
    {
        string dir = TempFolder();
        string path = Path.Combine(dir, "data_batch_1.bin");
        var records = CifarRecords(2, 0);
        File.WriteAllBytes(path, records[..(records.Length - 10)]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Cifar10.LoadBatches([path], "c"));
        StringAssert.Contains(e.Message, "data_batch_1.bin");
        StringAssert.Contains(e.Message, "offset 3073");
        records[3073] = 11;
        File.WriteAllBytes(path, records);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidDataException>(() => Cifar10.LoadBatches([path], "c")).Message, "offset 3073: label 11");
        Assert.ThrowsExactly<FileNotFoundException>(() => Cifar10.Load(dir)); // no test_batch.bin
        Directory.Delete(dir, true);
    }
}
