using System.Security.Cryptography;
using System.Text;
using HesScale.Bench.Commands;

namespace HesScale.Bench.Sweeps;

/// <summary>
/// What a sweep computes: the command, the options that decide its results (every option given except
/// <see cref="NotDefining"/>), and its cells in their fixed order. Shards whose <see cref="Id"/> differ
/// belong to different sweeps and are never merged.
/// </summary>
public sealed class SweepDefinition
{
    /// <summary>Options that say where a sweep's files go or how many workers run it, not what it computes.</summary>
    public static readonly string[] NotDefining = ["shard", "out", "parallel"];

    public SweepDefinition(string command, IReadOnlyList<KeyValuePair<string, string>> options, IReadOnlyList<string> switches, IReadOnlyList<string> cells)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(switches);
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Count == 0) throw new ArgumentException("a sweep needs at least one cell.", nameof(cells));
        foreach (string text in options.SelectMany(o => new[] { o.Key, o.Value }).Concat(switches).Concat(cells).Append(command))
        {
            if (text.Contains('\n', StringComparison.Ordinal) || text.Contains('\r', StringComparison.Ordinal))
                throw new ArgumentException($"a sweep's options and cell names are single lines; got '{text.ReplaceLineEndings(" ")}'.", nameof(options));
        }
        Command = command;
        Options = options;
        Switches = switches;
        Cells = cells;
        Id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', HeaderLines())))).Substring(0, 16);
    }

    public string Command { get; }

    /// <summary>(name, value) of every defining option, in name order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Options { get; }

    public IReadOnlyList<string> Switches { get; }

    /// <summary>A readable name of every cell (e.g. "adam lr 0.001 seed 2"), in cell-index order.</summary>
    public IReadOnlyList<string> Cells { get; }

    /// <summary>First 16 hex digits of the SHA-256 of <see cref="HeaderLines"/>.</summary>
    public string Id { get; }

    /// <summary>The definition of a sweep run with <paramref name="options"/> over <paramref name="cells"/>.</summary>
    internal static SweepDefinition From(string command, Commands.CommandLine options, IReadOnlyList<string> cells) =>
        new(command, options.Values.Where(o => !NotDefining.Contains(o.Key, StringComparer.Ordinal)).ToArray(), options.Switches.ToArray(), cells);

    /// <summary>The command line (after the command's name) that runs this sweep, without --out.</summary>
    public string[] Arguments() => [.. Options.SelectMany(o => new[] { "--" + o.Key, o.Value }), .. Switches.Select(s => "--" + s)];

    /// <summary>The lines that define the sweep, as shard files store them (and as <see cref="Id"/> hashes them).</summary>
    public IEnumerable<string> HeaderLines()
    {
        yield return $"command: {Command}";
        foreach (var o in Options) yield return $"option: {o.Key} {o.Value}";
        foreach (string s in Switches) yield return $"switch: {s}";
        yield return $"cells: {Cells.Count}";
        for (int i = 0; i < Cells.Count; i++) yield return $"cell: {i} {Cells[i]}";
    }
}
