namespace HesScale.Bench.Commands;

/// <summary>Text files written atomically: a reader (or a killed writer) never leaves a half-written file.</summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> to a unique temporary file beside <paramref name="path"/>, flushes it, then renames it over <paramref name="path"/>.</summary>
    public static void WriteAllText(string path, string text)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(text);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
