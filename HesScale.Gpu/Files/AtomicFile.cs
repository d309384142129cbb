using System.Text;

namespace HesScale.Gpu.Files;

/// <summary>
/// Files written atomically: the content goes to a temporary file in the target's folder
/// (<see cref="TemporaryFiles.PathFor"/>), is flushed to disk, then is renamed over the target, so a
/// reader (or a writer killed midway) sees the old file or the new one, never a part. A failed write
/// deletes its temporary file and leaves the target as it was.
/// </summary>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <paramref name="text"/> as UTF-8 without a byte-order mark (as <see cref="File.WriteAllText(string, string?)"/> does).</summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Write(path, stream => stream.Write(Utf8NoBom.GetBytes(text)));
    }

    /// <summary>Writes <paramref name="bytes"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlyMemory<byte> bytes) => Write(path, stream => stream.Write(bytes.Span));

    /// <summary>Writes what <paramref name="write"/> puts into the stream; an exception from it leaves the target untouched.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string temp = WriteTemporary(path, write);
        try
        {
            File.Move(temp, Path.GetFullPath(path), overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        TemporaryFiles.DeleteStale(path); // left by a run killed between writing and renaming
    }

    /// <summary>
    /// Writes with <paramref name="write"/> to a new temporary file next to <paramref name="path"/>,
    /// flushed to disk, and returns its path; the caller renames it (several outputs committed
    /// together) or deletes it. On failure the temporary file is deleted.
    /// </summary>
    public static string WriteTemporary(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string temp = TemporaryFiles.PathFor(path);
        try
        {
            using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            write(stream);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        return temp;
    }

    /// <summary>Deletes a file, ignoring I/O and permission errors (cleaning up after a failure).</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Cleaning up must not hide the error that caused it.
        }
    }
}
