namespace HesScale.Gpu.Files;

/// <summary>
/// Paths with every symbolic link resolved, for "is this output one of the inputs?" checks: two
/// spellings of one file (a symlinked folder, <c>..</c>, a link to the file) give the same real path.
/// </summary>
public static class RealPaths
{
    // Linux's own limit on links followed while resolving one path (ELOOP).
    private const int MaxLinks = 40;

    /// <summary>
    /// The absolute path of <paramref name="path"/> with each symlink component replaced by its
    /// target, like realpath(3); components that do not exist yet are kept as written. Throws
    /// <see cref="IOException"/> on a link loop.
    /// </summary>
    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        int links = 0;
        return Resolve(Path.GetFullPath(path), ref links);
    }

    /// <summary>Whether two paths name the same file or folder once links are resolved.</summary>
    public static bool Same(string a, string b) =>
        string.Equals(Resolve(a), Resolve(b), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or lies under it, links resolved.</summary>
    public static bool IsInside(string path, string folder)
    {
        string p = Resolve(path), f = Resolve(folder).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return (p + Path.DirectorySeparatorChar).StartsWith(f, comparison);
    }

    private static string Resolve(string full, ref int links)
    {
        string root = Path.GetPathRoot(full) ?? "/";
        string current = root;
        foreach (string part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            var info = new FileInfo(next); // LinkTarget works for links to files and to folders
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks) throw new IOException($"'{full}': too many levels of symbolic links.");
                next = Resolve(Path.GetFullPath(target, current), ref links);
            }
            current = next;
        }
        return current;
    }
}
