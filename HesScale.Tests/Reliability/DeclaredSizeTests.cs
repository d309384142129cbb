using HesScale.Gpu.Data;
using HesScale.Tests.Cli;
using HesScale.Tests.Training;

namespace HesScale.Tests.Reliability;

/// <summary>
/// Issue 14, item 6: sizes declared in a file do not decide how much memory is allocated; they are
/// checked against what the file holds first. Allocation is measured on the calling thread.
/// </summary>
[TestClass]
public sealed class DeclaredSizeTests
{
    private static long AllocatedBy(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [TestMethod]
    public void Diag_checks_row_lengths_before_allocating_rows_x_in()
    {
        using var run = new CliRun();
        // 2^27 declared inputs: rows x in doubles would be 1 GiB from a file of ~250 bytes.
        string path = run.PathOf("case-huge.json");
        File.WriteAllText(path, """
            {"format": "hesscale-case/1",
             "layers": [{"type": "linear", "in": 134217728, "out": 1, "weight": [[0.5]], "bias": [0.0]}],
             "loss": {"type": "mse"}, "inputs": [[1.0]], "targets": [[0.0]]}
            """);
        string outDir = run.PathOf("out");
        Directory.CreateDirectory(outDir);
        int code = 0;
        long allocated = AllocatedBy(() => code = run.Diag("--case", path, "--methods", "gradient", "--out", outDir, "--device", "cpu"));
        Assert.AreEqual(1, code, run.Stderr);
        Assert.Contains("case-huge.json: layers[0].weight[0]: expected 134217728 numbers, got 1", run.Stderr);
        Assert.IsLessThan(16L << 20, allocated, $"allocated {allocated} bytes for a 250-byte file");
        Assert.IsEmpty(CliRun.FilesIn(outDir));
    }

    [TestMethod]
    public void Gzip_inflation_stops_at_the_size_the_header_declares()
    {
        using var scratch = new Scratch();
        // Header: 2 images of 2 x 2 (8 data bytes), then 64 MiB of zeros: a 64 KiB file.
        byte[] plain = IdxBytes.Idx(new byte[(64 << 20) + 8], 2, 2, 2);
        string path = scratch.PathOf("bomb-idx3-ubyte.gz");
        File.WriteAllBytes(path, IdxBytes.Gzip(plain));
        InvalidDataException? error = null;
        long allocated = AllocatedBy(() => error = Assert.ThrowsExactly<InvalidDataException>(() => IdxFile.Read(path)));
        Assert.Contains("bomb-idx3-ubyte.gz (decompressed)", error!.Message);
        Assert.Contains("unexpected bytes", error.Message);
        Assert.IsLessThan(4L << 20, allocated, $"allocated {allocated} bytes inflating a {new FileInfo(path).Length}-byte file");
    }

    [TestMethod]
    public void Gzip_header_declaring_more_than_deflate_can_hold_is_refused_before_inflating()
    {
        using var scratch = new Scratch();
        byte[] header = IdxBytes.Idx([], 60000, 28, 28); // 47 MB declared
        string path = scratch.PathOf("liar-idx3-ubyte.gz");
        File.WriteAllBytes(path, IdxBytes.Gzip(header));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains("liar-idx3-ubyte.gz", e.Message);
        Assert.Contains("compressed bytes can hold", e.Message);
    }

    [TestMethod]
    public void Idx_dimensions_whose_product_overflows_are_refused()
    {
        using var scratch = new Scratch();
        // 2^16 x 2^16 x 2^16 x 2^16 = 2^64 wraps to 0 in a long: must not pass as an empty file.
        byte[] bytes = IdxBytes.Idx([], 65536, 65536, 65536, 65536);
        string path = scratch.PathOf("wrap-idx3-ubyte");
        File.WriteAllBytes(path, bytes);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains("more than", e.Message);
    }
}
