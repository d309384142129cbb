using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HesScale.Gpu.Files;

/// <summary>
/// Names of the temporary files behind atomic writes (write a temporary file in the target's
/// folder, then rename it over the target) and the clean-up of those a killed process left:
/// <c>.NAME.PID.GUID.tmp</c> next to <c>NAME</c>, so a later run can tell a dead writer's file
/// from a live one's.
/// </summary>
public static partial class TemporaryFiles
{
    [GeneratedRegex(@"^(?<pid>[0-9]{1,10})\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex PidAndGuid();

    /// <summary>A new temporary path next to <paramref name="finalPath"/>, tagged with this process's id.</summary>
    public static string PathFor(string finalPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(finalPath);
        string full = Path.GetFullPath(finalPath);
        string folder = Path.GetDirectoryName(full) ?? ".";
        return Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>
    /// Deletes the temporary files of <paramref name="finalPath"/> whose writing process is no
    /// longer running (a run killed between writing and renaming). Files of live processes, this
    /// one included, are kept; files that cannot be deleted are left alone.
    /// </summary>
    /// <returns>The number of files deleted.</returns>
    public static int DeleteStale(string finalPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(finalPath);
        string full = Path.GetFullPath(finalPath);
        string folder = Path.GetDirectoryName(full) ?? ".";
        string name = Path.GetFileName(full);
        if (!Directory.Exists(folder)) return 0;
        int deleted = 0;
        // ".NAME.PID.GUID.tmp" (this helper), and "NAME.PID.GUID.tmp" (checkpoints before it).
        foreach (string prefix in new[] { $".{name}.", $"{name}." })
        {
            foreach (string file in Directory.EnumerateFiles(folder, prefix + "*.tmp"))
            {
                var match = PidAndGuid().Match(Path.GetFileName(file)[prefix.Length..]);
                if (!match.Success || !int.TryParse(match.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
                if (IsRunning(pid)) continue;
                try
                {
                    File.Delete(file);
                    deleted++;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Another process's file or a read-only folder: not ours to force.
                }
            }
        }
        return deleted;
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
