using System.Globalization;

namespace HesScale.Bench.Sweeps;

/// <summary>One cost config measured: per method the median step time (microseconds), kernel launches and host waits of one step; the optional bare-traffic floor (ms).</summary>
public sealed record CostCell(string Device, double[] MedianUs, long[] Launches, long[] Syncs, (double Gradient, double HesScale)? Floor);

/// <summary>
/// cost's cells: one config each. Rows: <c>device,NAME</c>, <c>method,METHOD,MEDIAN_US,LAUNCHES,SYNCS</c> per method
/// in --methods order, and <c>floor,GRADIENT_MS,HESSCALE_MS</c> when measured. Times from different shards come
/// from different machines or moments: the device name travels with each config.
/// </summary>
public static class CostSweepCells
{
    public static IReadOnlyList<string> Rows(CostCell cell, IReadOnlyList<string> methods)
    {
        ArgumentNullException.ThrowIfNull(cell);
        ArgumentNullException.ThrowIfNull(methods);
        var rows = new List<string> { "device," + cell.Device.ReplaceLineEndings(" ") };
        for (int m = 0; m < methods.Count; m++)
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"method,{methods[m]},{CellNumbers.Text(cell.MedianUs[m])},{cell.Launches[m]},{cell.Syncs[m]}"));
        if (cell.Floor is { } f) rows.Add($"floor,{CellNumbers.Text(f.Gradient)},{CellNumbers.Text(f.HesScale)}");
        return rows;
    }

    public static CostCell Parse(string config, IReadOnlyList<string> methods, IReadOnlyList<string> rows)
    {
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(rows);
        SweepFormatException Bad(string why) => new($"cost cell '{config}': {why}");
        if (rows.Count < 1 + methods.Count || !rows[0].StartsWith("device,", StringComparison.Ordinal)) throw Bad("expected a device row and one row per method.");
        var median = new double[methods.Count];
        var launches = new long[methods.Count];
        var syncs = new long[methods.Count];
        for (int m = 0; m < methods.Count; m++)
        {
            if (rows[1 + m].Split(',') is not ["method", var name, var us, var l, var s] || name != methods[m]) throw Bad($"expected method {methods[m]}, got '{rows[1 + m]}'.");
            median[m] = CellNumbers.Double(us, "cost");
            launches[m] = CellNumbers.Long(l, "cost");
            syncs[m] = CellNumbers.Long(s, "cost");
        }
        (double, double)? floor = null;
        if (rows.Count == methods.Count + 2)
        {
            floor = rows[^1].Split(',') is ["floor", var g, var h] ? (CellNumbers.Double(g, "cost"), CellNumbers.Double(h, "cost")) : throw Bad($"bad floor row '{rows[^1]}'.");
        }
        else if (rows.Count != methods.Count + 1)
        {
            throw Bad("unexpected extra rows.");
        }
        return new CostCell(rows[0]["device,".Length..], median, launches, syncs, floor);
    }
}
