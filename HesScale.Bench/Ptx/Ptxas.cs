using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HesScale.Bench.Ptx;

/// <summary>ptxas's resource report of one kernel: per-thread registers and stack, per-group shared memory, spills.</summary>
public sealed record PtxasReport(string Kernel, string Architecture, int Registers, int SharedBytes, int StackBytes, int SpillStoreBytes, int SpillLoadBytes);

/// <summary>
/// NVIDIA's PTX assembler, run on the PTX of <see cref="PtxBuild"/> to prove that a real GPU
/// toolchain accepts it and to read each kernel's resources (<c>ptxas -v</c>).
/// </summary>
public static partial class Ptxas
{
    /// <summary>Environment variable naming the ptxas binary; else <see cref="CachePath"/>, else ptxas on PATH.</summary>
    public const string EnvironmentVariable = "HESSCALE_PTXAS";

    /// <summary>Where .ci/install-ptxas puts it.</summary>
    public const string CachePath = "/opt/hesscale-ptxas/ptxas";

    /// <summary>How to get ptxas, for the messages of a machine without it.</summary>
    public const string HowToGet =
        "run .ci/install-ptxas as root (unpacks ptxas from Debian 12's non-free nvidia-cuda-toolkit into /opt/hesscale-ptxas), " +
        "put ptxas on PATH, or set HESSCALE_PTXAS to its path";

    /// <summary>The ptxas to run, or null when there is none.</summary>
    public static string? Find()
    {
        string? named = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(named)) return File.Exists(named) ? named : null;
        if (File.Exists(CachePath)) return CachePath;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "ptxas");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>
    /// Assembles <paramref name="kernel"/> with <c>ptxas -arch=ARCH -v</c> in <paramref name="workDir"/> and
    /// parses the report; throws <see cref="InvalidOperationException"/> with ptxas's first error when it refuses.
    /// </summary>
    public static PtxasReport Assemble(string ptxas, PtxKernel kernel, string workDir)
    {
        string ptx = Path.Combine(workDir, $"{kernel.Name}.{kernel.Architecture}.ptx");
        File.WriteAllText(ptx, kernel.Ptx);
        var start = new ProcessStartInfo(ptxas)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { $"-arch={kernel.Architecture}", "-v", "-o", Path.ChangeExtension(ptx, ".cubin"), ptx })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {ptxas}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        string output = stdout.Result + stderr;
        if (process.ExitCode != 0)
        {
            string first = output.Split('\n').FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))?.Trim() ?? $"exit code {process.ExitCode}";
            throw new InvalidOperationException($"ptxas refused {kernel.Name} for {kernel.Architecture}: {first}");
        }
        return Parse(output, kernel.Name, kernel.Architecture);
    }

    /// <summary>
    /// Reads the entry function's lines of a <c>ptxas -v</c> report:
    /// "N bytes stack frame, N bytes spill stores, N bytes spill loads" and
    /// "Used N registers[, N bytes smem], N bytes cmem[0]" (no smem part when there is none).
    /// </summary>
    public static PtxasReport Parse(string output, string kernel, string architecture)
    {
        int entry = output.IndexOf("Compiling entry function", StringComparison.Ordinal);
        if (entry < 0) throw new FormatException($"ptxas -v output for {kernel} names no entry function.");
        string block = output[entry..];
        var used = UsedLine().Match(block);
        var frame = FrameLine().Match(block);
        if (!used.Success || !frame.Success) throw new FormatException($"ptxas -v output for {kernel} has no register or stack-frame line.");
        var smem = SharedPart().Match(used.Value);
        return new PtxasReport(kernel, architecture,
            Registers: Int(used.Groups[1]),
            SharedBytes: smem.Success ? Int(smem.Groups[1]) : 0,
            StackBytes: Int(frame.Groups[1]),
            SpillStoreBytes: Int(frame.Groups[2]),
            SpillLoadBytes: Int(frame.Groups[3]));
    }

    private static int Int(Group g) => int.Parse(g.Value, NumberStyles.None, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Used (\d+) registers[^\n]*")]
    private static partial Regex UsedLine();

    [GeneratedRegex(@"(\d+) bytes smem")]
    private static partial Regex SharedPart();

    [GeneratedRegex(@"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")]
    private static partial Regex FrameLine();
}
