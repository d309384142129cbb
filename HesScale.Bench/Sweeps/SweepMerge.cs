using System.Globalization;

namespace HesScale.Bench.Sweeps;

/// <summary>Collects the shard files of one sweep and checks that every cell is present exactly once.</summary>
public static class SweepMerge
{
    private const int Listed = 12;

    /// <summary>
    /// Every cell of the sweep whose shard files lie in <paramref name="folder"/>. Throws <see cref="SweepFormatException"/>
    /// when there is no shard file, when the files belong to different sweeps, or listing the missing and duplicated cells.
    /// </summary>
    public static MergedCells Collect(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"no folder '{folder}'.");
        var files = Directory.GetFiles(folder, ShardFile.SearchPattern).Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new SweepFormatException($"{folder} holds no shard files ({ShardFile.SearchPattern}); run the sweep with --shard K/N --out {folder} first.");
        var shards = files.Select(f => (File: Path.GetFileName(f), Content: ShardFile.Read(f))).ToArray();
        var sweeps = shards.GroupBy(s => s.Content.Definition.Id).ToArray();
        if (sweeps.Length > 1)
            throw new SweepFormatException($"{folder} mixes shards of {sweeps.Length} different sweeps: " +
                string.Join("; ", sweeps.Select(g => $"{g.Key} ({g.First().Content.Definition.Command}): {string.Join(", ", g.Select(s => s.File))}")) +
                ". Keep one sweep per folder.");
        var definition = shards[0].Content.Definition;
        var cells = new Dictionary<int, IReadOnlyList<string>>();
        var holders = new Dictionary<int, List<string>>();
        foreach (var (file, content) in shards)
        {
            foreach (var (cell, rows) in content.Cells)
            {
                cells[cell] = rows;
                if (!holders.TryGetValue(cell, out var list)) holders[cell] = list = [];
                list.Add(file);
            }
        }
        var missing = Enumerable.Range(0, definition.Cells.Count).Where(c => !cells.ContainsKey(c)).ToArray();
        var duplicated = holders.Where(h => h.Value.Count > 1).OrderBy(h => h.Key).ToArray();
        if (missing.Length > 0 || duplicated.Length > 0)
        {
            var problems = new List<string>();
            if (missing.Length > 0)
                problems.Add($"{missing.Length} missing cell{(missing.Length == 1 ? "" : "s")}: " +
                    List(missing.Select(c => Describe(definition, c))));
            if (duplicated.Length > 0)
                problems.Add($"{duplicated.Length} duplicated cell{(duplicated.Length == 1 ? "" : "s")}: " +
                    List(duplicated.Select(d => $"{Describe(definition, d.Key)} in {string.Join(" and ", d.Value)}")));
            throw new SweepFormatException($"sweep {definition.Id} ({definition.Command}, {definition.Cells.Count} cells, {files.Length} shard files in {folder}): " +
                string.Join("; ", problems) + ". Re-run the missing shards (finished cells are kept) or remove the extra shard files.");
        }
        return new MergedCells(definition, cells);
    }

    private static string Describe(SweepDefinition definition, int cell) =>
        string.Create(CultureInfo.InvariantCulture, $"{cell} ({definition.Cells[cell]})");

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToArray();
        return string.Join(", ", all.Take(Listed)) + (all.Length > Listed ? $" and {all.Length - Listed} more" : "");
    }
}
