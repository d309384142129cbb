using System.Globalization;
using HesScale.Bench.Commands;

namespace HesScale.Bench.Sweeps;

/// <summary>
/// One process's share of a sweep: the cells whose index modulo <see cref="Count"/> is <see cref="Index"/>
/// (0-based), over the sweep's fixed cell order. A cell's seeds and results do not depend on the shard.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    public bool Owns(int cell) => cell % Count == Index;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>Parses <c>K/N</c> with 0 &lt;= K &lt; N.</summary>
    public static Shard Parse(string text, string command)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && k < n)
            return new Shard(k, n);
        throw new UsageException($"{command}: --shard expects K/N with 0 <= K < N (e.g. 0/4), got '{text}'.");
    }

    /// <summary>
    /// The shard of this process: <c>--shard</c> when given; otherwise a Slurm array task's
    /// (<c>SLURM_ARRAY_TASK_ID</c> - <c>SLURM_ARRAY_TASK_MIN</c>) / <c>SLURM_ARRAY_TASK_COUNT</c>; null when neither is set.
    /// </summary>
    public static Shard? Resolve(string? option, string command, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (option is not null) return Parse(option, command);
        string? id = environment("SLURM_ARRAY_TASK_ID"), count = environment("SLURM_ARRAY_TASK_COUNT");
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(count)) return null;
        string min = environment("SLURM_ARRAY_TASK_MIN") is { Length: > 0 } m ? m : "0";
        if (int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out int task)
            && int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && int.TryParse(min, NumberStyles.None, CultureInfo.InvariantCulture, out int first)
            && n >= 1 && task >= first && task - first < n)
            return new Shard(task - first, n);
        throw new UsageException($"{command}: SLURM_ARRAY_TASK_ID={id}, SLURM_ARRAY_TASK_MIN={min}, SLURM_ARRAY_TASK_COUNT={count} do not give a shard " +
            "(use a contiguous array such as --array=0-N-1, or pass --shard K/N).");
    }
}
