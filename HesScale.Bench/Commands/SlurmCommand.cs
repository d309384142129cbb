using System.Globalization;
using System.Text.RegularExpressions;
using HesScale.Bench.Sweeps;
using HesScale.Gpu.Files;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale slurm COMMAND ...</c>: writes the sbatch scripts that run a sweep as a Slurm job array (one task per
/// shard, through a self-contained published binary) plus a merge job that depends on it (docs/cluster.md).
/// </summary>
public static partial class SlurmCommand
{
    public const string Usage =
        "usage: hesscale slurm COMMAND [command options] --out DIR [--shards N] [--array-parallel P] --time HH:MM:SS --cpus C\n" +
        "                      [--binary PATH] [--scripts DIR] [--mem M] [--partition NAME] [--account NAME] [--merge-time HH:MM:SS]\n" +
        "  COMMAND         a sweep: rl-sweep, train, quality or cost, with its own options (they go to every array task)\n" +
        "  --out DIR       the sweep's folder on storage every node sees (shard files, then the merged outputs)\n" +
        "  --shards N      array tasks, one shard each (default: one per cell, or --array-parallel if fewer); --array-parallel P: tasks at once (default N)\n" +
        "  --time, --cpus  per task (rl-sweep gets --parallel C unless given); --mem, --partition, --account: passed to sbatch\n" +
        "  --binary PATH   the self-contained published hesscale (default: this executable); --merge-time: the merge job's limit (00:30:00)\n" +
        "  --scripts DIR   where sweep.sbatch, merge.sbatch and submit.sh go (default DIR/slurm); run: bash DIR/slurm/submit.sh";

    private const string Command = "slurm";

    private static readonly string[] SlurmOptions = ["out", "shards", "array-parallel", "time", "cpus", "binary", "scripts", "mem", "partition", "account", "merge-time"];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        // Only a first --help is slurm's own: later arguments belong to the sweep command.
        return CommandRunner.Guard(Command, Usage, stderr, () =>
        {
            if (args.Length == 0 || args[0] is "--help" or "-h")
            {
                stdout.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            string command = args[0];
            if (!SweepCommands.ByName.ContainsKey(command))
                throw new UsageException($"{Command}: '{command}' is not a sweep (known: {SweepCommands.Names}).");
            var (own, passed) = Split(args[1..]);
            var o = CommandLine.Parse(own, Command, SlurmOptions);
            if (passed.Any(a => a == "--shard" || a.StartsWith("--shard=", StringComparison.Ordinal)))
                throw new UsageException($"{Command}: leave out --shard; each array task takes its shard from Slurm.");
            string outDir = Path.GetFullPath(o.Required(Command, "out"));
            int? shards = o.Get("shards") is { } s ? CommandLine.PositiveInteger(Command, "shards", s) : null;
            int? parallel = o.Get("array-parallel") is { } p ? CommandLine.PositiveInteger(Command, "array-parallel", p) : null;
            int cpus = CommandLine.PositiveInteger(Command, "cpus", o.Required(Command, "cpus"));
            string binary = Path.GetFullPath(o.Get("binary") ?? DefaultBinary());
            if (!File.Exists(binary)) throw new FileNotFoundException($"{Command}: no binary at {binary} (publish it: docs/cluster.md).");
            string scripts = Path.GetFullPath(o.Get("scripts") ?? Path.Combine(outDir, "slurm"));
            var arguments = WithWorkers(command, passed, cpus);
            // The tasks' command line is checked here, not when the array starts; the plan gives the cell count.
            var plan = SweepCommands.Plan(command, [.. arguments, "--out", outDir]);
            int cells = plan.Cells.Count;
            int n = shards ?? Math.Min(cells, parallel ?? cells);
            if (n > cells) throw new UsageException($"{Command}: {n} shards for {cells} cells would leave array tasks without work; give --shards {cells} or fewer.");
            var job = new SlurmJob(command, arguments, outDir, binary, scripts, n, Math.Min(parallel ?? n, n), Duration(o.Required(Command, "time"), "time"), cpus,
                Duration(o.Get("merge-time") ?? "00:30:00", "merge-time"), Word(o.Get("mem"), "mem"), Word(o.Get("partition"), "partition"), Word(o.Get("account"), "account"));
            foreach (var (name, value) in new[] { ("out", outDir), ("scripts", scripts) })
            {
                if (value.Any(char.IsWhiteSpace) || value.Contains('%', StringComparison.Ordinal))
                    throw new UsageException($"{Command}: --{name} '{value}' has a space or '%', which #SBATCH lines cannot carry.");
            }

            var files = SlurmScripts.Write(job);
            Directory.CreateDirectory(scripts);
            foreach (var (name, _) in files)
            {
                if (File.Exists(Path.Combine(scripts, name))) throw new IOException($"{Command}: {Path.Combine(scripts, name)} exists; remove it or give --scripts.");
            }
            foreach (var (name, text) in files)
            {
                string path = Path.Combine(scripts, name);
                AtomicFile.WriteAllText(path, text);
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sweep {plan.Id}: {command}, {cells} cells in {job.Shards} shards of {cells / job.Shards}-{(cells + job.Shards - 1) / job.Shards} cells"));
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {string.Join(", ", files.Select(f => Path.Combine(scripts, f.Name)))}: {job.Shards} array tasks ({job.ArrayParallel} at once, {cpus} CPUs, {job.Time} each) and a merge job"));
            stdout.WriteLine($"submit: bash {Path.Combine(scripts, SlurmScripts.SubmitScript)}   (watch: squeue --me; results: {outDir})");
            return 0;
        });
    }

    /// <summary>Separates slurm's own <c>--name value</c> pairs from the sweep command's arguments.</summary>
    private static (List<string> Own, List<string> Passed) Split(IReadOnlyList<string> args)
    {
        var own = new List<string>();
        var passed = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..].Split('=', 2)[0] : "";
            if (!SlurmOptions.Contains(name, StringComparer.Ordinal))
            {
                passed.Add(args[i]);
                continue;
            }
            own.Add(args[i]);
            if (!args[i].Contains('=', StringComparison.Ordinal) && i + 1 < args.Count) own.Add(args[++i]);
        }
        return (own, passed);
    }

    /// <summary>rl-sweep runs --parallel workers; give it one per CPU of the task unless the command line says otherwise.</summary>
    private static List<string> WithWorkers(string command, List<string> passed, int cpus) =>
        command == "rl-sweep" && !passed.Any(a => a == "--parallel" || a.StartsWith("--parallel=", StringComparison.Ordinal))
            ? [.. passed, "--parallel", cpus.ToString(CultureInfo.InvariantCulture)]
            : passed;

    private static string DefaultBinary()
    {
        string? path = Environment.ProcessPath;
        if (path is null || Path.GetFileNameWithoutExtension(path) == "dotnet")
            throw new UsageException($"{Command}: running under 'dotnet', give --binary PATH (the published hesscale).");
        return path;
    }

    private static string Duration(string text, string name) => TimeLimit().IsMatch(text) ? text
        : throw new UsageException($"{Command}: --{name} expects a Slurm time limit such as 02:00:00 or 1-12:00:00, got '{text}'.");

    private static string? Word(string? text, string name) => text is null || (text.Length > 0 && !text.Any(char.IsWhiteSpace)) ? text
        : throw new UsageException($"{Command}: --{name} expects one word, got '{text}'.");

    [GeneratedRegex(@"^(\d+-)?\d+(:\d{1,2}){0,2}$")]
    private static partial Regex TimeLimit();
}
