using System.Globalization;
using System.Text;
using HesScale.Bench.Commands;
using HesScale.Gpu.Files;

namespace HesScale.Bench.Sweeps;

/// <summary>
/// One shard's file in a sweep's output folder, <c>shard-K-of-N.csv</c>: '#' lines holding the sweep's full
/// definition (<see cref="SweepDefinition.HeaderLines"/>), its id and the shard, then <c>cell,row</c> lines: the rows of
/// every finished cell, in cell order. Rewritten atomically after each cell, so a killed shard leaves only whole cells.
/// </summary>
public static class ShardFile
{
    public const string SearchPattern = "shard-*-of-*.csv";
    private const string Magic = "# hesscale sweep shard (hesscale merge DIR combines the shards)";

    public static string PathFor(string folder, Shard shard) =>
        Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"shard-{shard.Index}-of-{shard.Count}.csv"));

    public static void Write(string path, SweepDefinition definition, Shard shard, IReadOnlyDictionary<int, IReadOnlyList<string>> cells)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(cells);
        var text = new StringBuilder(Magic).Append('\n');
        text.Append("# sweep: ").Append(definition.Id).Append('\n');
        foreach (string line in definition.HeaderLines()) text.Append("# ").Append(line).Append('\n');
        text.Append("# shard: ").Append(shard.ToString()).Append('\n');
        text.Append("cell,row\n");
        foreach (var (cell, rows) in cells.OrderBy(c => c.Key))
        {
            foreach (string row in rows) text.Append(cell.ToString(CultureInfo.InvariantCulture)).Append(',').Append(row).Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>Reads a shard file; throws <see cref="SweepFormatException"/> naming the file and line when it is not one.</summary>
    public static (SweepDefinition Definition, Shard Shard, Dictionary<int, IReadOnlyList<string>> Cells) Read(string path)
    {
        var lines = File.ReadAllLines(path);
        SweepFormatException Bad(int line, string what) => new($"{path}: line {line + 1}: {what}");
        if (lines.Length == 0 || lines[0] != Magic) throw new SweepFormatException($"{path}: not a hesscale sweep shard (first line is not '{Magic}').");
        string? id = null, command = null;
        Shard? shard = null;
        int cellCount = -1;
        var options = new List<KeyValuePair<string, string>>();
        var switches = new List<string>();
        var names = new List<string>();
        int i = 1;
        for (; i < lines.Length && lines[i].StartsWith("# ", StringComparison.Ordinal); i++)
        {
            string line = lines[i][2..];
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0) throw Bad(i, $"expected 'key: value', got '{lines[i]}'.");
            string key = line[..colon], value = line[(colon + 2)..];
            switch (key)
            {
                case "sweep": id = value; break;
                case "command": command = value; break;
                case "switch": switches.Add(value); break;
                case "shard":
                    try
                    {
                        shard = Shard.Parse(value, "shard");
                    }
                    catch (UsageException)
                    {
                        throw Bad(i, $"bad shard '{value}'.");
                    }
                    break;
                case "cells": cellCount = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : throw Bad(i, $"bad cell count '{value}'."); break;
                case "option":
                    int space = value.IndexOf(' ', StringComparison.Ordinal);
                    if (space < 0) throw Bad(i, $"expected 'option: NAME VALUE', got '{lines[i]}'.");
                    options.Add(new(value[..space], value[(space + 1)..]));
                    break;
                case "cell":
                    int gap = value.IndexOf(' ', StringComparison.Ordinal);
                    if (gap < 0 || value[..gap] != names.Count.ToString(CultureInfo.InvariantCulture)) throw Bad(i, $"expected 'cell: {names.Count} NAME', got '{lines[i]}'.");
                    names.Add(value[(gap + 1)..]);
                    break;
                default: throw Bad(i, $"unknown key '{key}'.");
            }
        }
        if (id is null || command is null || shard is null || cellCount != names.Count)
            throw new SweepFormatException($"{path}: the header lacks the sweep id, command, shard or its {cellCount} cell names.");
        var definition = new SweepDefinition(command, options, switches, names);
        if (definition.Id != id) throw new SweepFormatException($"{path}: the header says sweep {id} but its definition hashes to {definition.Id} (edited or damaged file).");
        if (i >= lines.Length || lines[i] != "cell,row") throw Bad(i, "expected the 'cell,row' header.");
        var cells = new Dictionary<int, IReadOnlyList<string>>();
        for (i++; i < lines.Length; i++)
        {
            int comma = lines[i].IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || !int.TryParse(lines[i].AsSpan(0, comma), NumberStyles.None, CultureInfo.InvariantCulture, out int cell) || cell >= names.Count)
                throw Bad(i, $"expected 'CELL,ROW' with CELL below {names.Count}.");
            if (!shard.Value.Owns(cell)) throw Bad(i, $"cell {cell} does not belong to shard {shard}.");
            if (!cells.TryGetValue(cell, out var rows)) cells[cell] = rows = new List<string>();
            ((List<string>)rows).Add(lines[i][(comma + 1)..]);
        }
        return (definition, shard.Value, cells);
    }
}
