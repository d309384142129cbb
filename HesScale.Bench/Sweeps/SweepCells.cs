using System.Globalization;
using HesScale.Bench.Commands;

namespace HesScale.Bench.Sweeps;

/// <summary>
/// A sweeping command's view of its cells. Unsharded: every cell is run, nothing is stored (the command
/// writes its outputs as before). Sharded (<c>--shard K/N</c> or a Slurm array task): only the shard's
/// cells run, each finished cell's rows go to the shard file at once, cells already in that file are
/// skipped (a killed or requeued task resumes), and the command stops after its shard without writing
/// the sweep's outputs. Merging: every cell comes from the shard files and none is run.
/// </summary>
public sealed class SweepCells
{
    private readonly Dictionary<int, IReadOnlyList<string>> _finished;
    private readonly object _gate = new();

    private SweepCells(SweepDefinition definition, Shard? shard, string? path, Dictionary<int, IReadOnlyList<string>> finished)
    {
        Definition = definition;
        Shard = shard;
        FilePath = path;
        _finished = finished;
        Resumed = shard is null ? 0 : finished.Count;
    }

    public SweepDefinition Definition { get; }

    /// <summary>This process's shard; null when unsharded or merging.</summary>
    public Shard? Shard { get; }

    /// <summary>The shard file; null when unsharded or merging.</summary>
    public string? FilePath { get; }

    /// <summary>Cells found already finished in the shard file when it was opened.</summary>
    public int Resumed { get; }

    /// <summary>Cells this process runs or reads (its shard's, or all).</summary>
    public int Owned => Enumerable.Range(0, Definition.Cells.Count).Count(Owns);

    /// <summary>
    /// Opens the cells of the sweep that <paramref name="options"/> define over <paramref name="cells"/> (names in
    /// their fixed order). <paramref name="input"/>: the shard files' cells when <c>hesscale merge</c> runs the command, or a
    /// <see cref="SweepPlan"/> (then this throws <see cref="SweepPlannedException"/> with the definition).
    /// </summary>
    internal static SweepCells Open(string command, Commands.CommandLine options, IReadOnlyList<string> cells, string outDir, SweepInput? input) =>
        Open(command, options, cells, outDir, input, Environment.GetEnvironmentVariable);

    internal static SweepCells Open(string command, Commands.CommandLine options, IReadOnlyList<string> cells, string outDir, SweepInput? input, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        var definition = SweepDefinition.From(command, options, cells);
        if (input is SweepPlan) throw new SweepPlannedException(definition);
        if (input is MergedCells merged)
        {
            if (merged.Definition.Id != definition.Id)
                throw new SweepFormatException($"{command}: the shards hold sweep {merged.Definition.Id} but this build makes sweep {definition.Id} of their options (a different grid); re-run the shards with this build.");
            return new SweepCells(definition, null, null, new Dictionary<int, IReadOnlyList<string>>(merged.Cells));
        }
        if (Sweeps.Shard.Resolve(options.Get("shard"), command, environment) is not { } shard) return new SweepCells(definition, null, null, []);

        Directory.CreateDirectory(outDir);
        string path = ShardFile.PathFor(outDir, shard);
        var finished = new Dictionary<int, IReadOnlyList<string>>();
        if (File.Exists(path))
        {
            var (stored, storedShard, storedCells) = ShardFile.Read(path);
            if (stored.Id != definition.Id || storedShard != shard)
                throw new SweepFormatException($"{path} holds shard {storedShard} of sweep {stored.Id} ({stored.Command}), not shard {shard} of this sweep {definition.Id}; use another --out or remove the file.");
            finished = storedCells;
        }
        else
        {
            ShardFile.Write(path, definition, shard, finished); // claims the name and records the definition before the first cell runs
        }
        return new SweepCells(definition, shard, path, finished);
    }

    /// <summary>True while a shard runs: the command stops after its cells (the sweep's outputs come from <c>hesscale merge</c>).</summary>
    public bool IsShard => Shard is not null;

    public bool Owns(int cell) => Shard?.Owns(cell) ?? true;

    /// <summary>The rows of <paramref name="cell"/> when it is already finished (resumed or merged); null when it must run.</summary>
    public IReadOnlyList<string>? Finished(int cell)
    {
        lock (_gate) return _finished.GetValueOrDefault(cell);
    }

    /// <summary>Records a cell that has just run; a shard rewrites its file at once (thread-safe).</summary>
    public void Finish(int cell, IReadOnlyList<string> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (FilePath is null || Shard is not { } shard) return;
        if (rows.Count == 0 || rows.Any(r => r.Contains('\n', StringComparison.Ordinal) || r.Contains('\r', StringComparison.Ordinal)))
            throw new InvalidOperationException($"cell {cell}: a finished cell needs at least one row and single-line rows.");
        lock (_gate)
        {
            _finished[cell] = rows.ToArray();
            ShardFile.Write(FilePath, Definition, shard, _finished);
        }
    }

    /// <summary>One line for the end of a shard's run.</summary>
    public string Report() => string.Create(CultureInfo.InvariantCulture,
        $"shard {Shard}: {Owned} of {Definition.Cells.Count} cells of sweep {Definition.Id} ({Resumed} resumed from the file); wrote {FilePath}; when every shard is done, hesscale merge DIR (this --out) writes the sweep's outputs");
}
