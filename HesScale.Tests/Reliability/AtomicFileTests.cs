using HesScale.Gpu.Files;

namespace HesScale.Tests.Reliability;

/// <summary>
/// Issue 9: the one atomic-write helper every file output goes through. A write replaces the
/// target whole or not at all and leaves no temporary file behind, whether it succeeds or fails.
/// </summary>
[TestClass]
public sealed class AtomicFileTests
{
    [TestMethod]
    public void A_successful_write_replaces_the_target_and_leaves_only_it()
    {
        using var scratch = new Scratch();
        string path = scratch.PathOf("out.csv");
        File.WriteAllText(path, "old content that is longer than the new one\n");

        AtomicFile.WriteAllText(path, "a,b\n1,é\n");

        CollectionAssert.AreEqual("a,b\n1,é\n"u8.ToArray(), File.ReadAllBytes(path), "UTF-8 without a byte-order mark, old bytes gone");
        CollectionAssert.AreEqual(new[] { "out.csv" }, FileNames(scratch));

        AtomicFile.WriteAllBytes(Path.Combine(scratch.Root, "new.bin"), new byte[] { 0, 1, 255 });
        CollectionAssert.AreEqual(new byte[] { 0, 1, 255 }, File.ReadAllBytes(scratch.PathOf("new.bin")));
        CollectionAssert.AreEqual(new[] { "new.bin", "out.csv" }, FileNames(scratch));
    }

    [TestMethod]
    public void A_writer_that_throws_midway_leaves_the_old_content_and_no_temporary_file()
    {
        using var scratch = new Scratch();
        string path = scratch.PathOf("out.csv");
        File.WriteAllText(path, "old\n");
        string? temp = null;

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("new half"u8);
            stream.Flush();
            temp = ((FileStream)stream).Name;
            throw new InvalidOperationException("disk full (simulated)");
        }));

        Assert.AreEqual("disk full (simulated)", e.Message);
        Assert.IsNotNull(temp, "the writer ran");
        Assert.AreEqual(scratch.Root, Path.GetDirectoryName(temp), "the temporary file is in the target's folder (same file system for the rename)");
        Assert.AreEqual("old\n", File.ReadAllText(path));
        CollectionAssert.AreEqual(new[] { "out.csv" }, FileNames(scratch));

        // With no target before, a failed write creates none.
        string fresh = scratch.PathOf("fresh.csv");
        Assert.ThrowsExactly<InvalidOperationException>(() => AtomicFile.Write(fresh, stream =>
        {
            stream.WriteByte(1);
            throw new InvalidOperationException("fails");
        }));
        CollectionAssert.AreEqual(new[] { "out.csv" }, FileNames(scratch));
    }

    [TestMethod]
    public void A_failed_rename_leaves_no_temporary_file()
    {
        using var scratch = new Scratch();
        string target = scratch.PathOf("taken");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "inside.txt"), "kept");

        Assert.Throws<IOException>(() => AtomicFile.WriteAllText(target, "text"));

        Assert.AreEqual("kept", File.ReadAllText(Path.Combine(target, "inside.txt")));
        Assert.IsEmpty(FileNames(scratch), "no temporary file beside the folder");
    }

    [TestMethod]
    public void A_write_removes_temporary_files_of_dead_writers_only()
    {
        using var scratch = new Scratch();
        const int deadPid = 2_000_000_000; // above any pid_max: no such process
        string path = scratch.PathOf("rl.csv");
        string stale = scratch.PathOf($".rl.csv.{deadPid}.{Guid.NewGuid():N}.tmp");
        string live = scratch.PathOf($".rl.csv.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(stale, "half");
        File.WriteAllText(live, "half");

        AtomicFile.WriteAllText(path, "env\n");

        Assert.IsFalse(File.Exists(stale), "a dead process's temporary file is removed");
        Assert.IsTrue(File.Exists(live), "a live process's temporary file is kept");
        Assert.AreEqual("env\n", File.ReadAllText(path));
    }

    private static string[] FileNames(Scratch scratch) =>
        Directory.GetFiles(scratch.Root).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();
}
