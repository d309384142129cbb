using System.Globalization;
using System.Text;
using HesScale.Gpu.Files;

namespace HesScale.Bench.Quality;

/// <summary>One line of quality_normalized.csv.</summary>
public sealed record NormalizedError(string Phase, string Method, double Error, double MinOverSeeds, double MaxOverSeeds, double[] PerSeed);

/// <summary>
/// Summaries of the quality rows: normalised error = (seed mean of the method's total L1 error) /
/// (seed mean of HesScale's); the spread is the per-seed ratio's min and max. Writes the CSV files,
/// the console table and the PNG figures.
/// </summary>
public static class QualityReport
{
    public static readonly string[] Phases = ["initial", "trained"];
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static List<NormalizedError> Normalize(IReadOnlyList<QualityRow> rows)
    {
        var result = new List<NormalizedError>();
        foreach (var phase in Phases)
        {
            var totals = rows.Where(r => r.Phase == phase && r.Layer == "all").ToList();
            if (totals.Count == 0) continue;
            var reference = totals.Where(r => r.Method == "hesscale").ToDictionary(r => r.Seed, r => r.L1Error);
            double referenceMean = reference.Values.Average();
            foreach (var group in totals.GroupBy(r => r.Method))
            {
                var perSeed = group.OrderBy(r => r.Seed).Select(r => r.L1Error / reference[r.Seed]).ToArray();
                result.Add(new NormalizedError(phase, group.Key, group.Average(r => r.L1Error) / referenceMean, perSeed.Min(), perSeed.Max(), perSeed));
            }
        }
        return result.OrderBy(e => Array.IndexOf(Phases, e.Phase)).ThenBy(e => e.Error).ThenBy(e => e.Method, StringComparer.Ordinal).ToList();
    }

    public static void WriteCsv(string outDir, IReadOnlyList<QualityRow> rows, IReadOnlyList<NormalizedError> normalized)
    {
        Directory.CreateDirectory(outDir);
        var raw = new StringBuilder("phase,seed,method,layer,l1_error\n");
        foreach (var r in rows) raw.Append(Inv, $"{r.Phase},{r.Seed},{r.Method},{r.Layer},{r.L1Error:R}\n");
        AtomicFile.WriteAllText(Path.Combine(outDir, "quality.csv"), raw.ToString());
        var norm = new StringBuilder("phase,method,normalized_error,min_over_seeds,max_over_seeds\n");
        foreach (var e in normalized) norm.Append(Inv, $"{e.Phase},{e.Method},{e.Error:R},{e.MinOverSeeds:R},{e.MaxOverSeeds:R}\n");
        AtomicFile.WriteAllText(Path.Combine(outDir, "quality_normalized.csv"), norm.ToString());
    }

    /// <param name="times">Optional per-method wall time and count of estimates: adds a "ms/estimate" column (batch 1, includes the gradient pass and the download).</param>
    public static void PrintTable(TextWriter w, IReadOnlyList<QualityRow> rows, IReadOnlyList<NormalizedError> normalized,
        IReadOnlyDictionary<string, (TimeSpan Time, int Count)>? times = null)
    {
        foreach (var phase in Phases)
        {
            var lines = normalized.Where(e => e.Phase == phase).ToList();
            if (lines.Count == 0) continue;
            w.WriteLine();
            w.WriteLine($"{phase}: L1 error / HesScale's (mean over seeds; min..max of the per-seed ratio)");
            w.WriteLine($"  {"method",-15} {"normalized",10} {"min",9} {"max",9} {"mean L1",11}{(times is null ? "" : "  ms/estimate")}");
            foreach (var e in lines)
            {
                double meanL1 = rows.Where(r => r.Phase == phase && r.Method == e.Method && r.Layer == "all").Average(r => r.L1Error);
                string ms = times is not null && times.TryGetValue(e.Method, out var t) && t.Count > 0
                    ? string.Create(Inv, $"  {t.Time.TotalMilliseconds / t.Count,11:0.000}") : "";
                w.WriteLine(string.Create(Inv, $"  {e.Method,-15} {e.Error,10:0.000} {e.MinOverSeeds,9:0.000} {e.MaxOverSeeds,9:0.000} {meanL1,11:0.000e+0}{ms}"));
            }
        }
    }

    /// <summary>Per phase: quality_{phase}.png (bars with one dot per seed) and quality_layers_{phase}.png (per-layer error lines).</summary>
    public static List<string> WriteCharts(string outDir, string title, IReadOnlyList<QualityRow> rows, IReadOnlyList<NormalizedError> normalized)
    {
        var files = new List<string>();
        foreach (var phase in Phases)
        {
            var lines = normalized.Where(e => e.Phase == phase).ToList();
            if (lines.Count == 0) continue;
            string bars = Path.Combine(outDir, $"quality_{phase}.png");
            // exact is 0 by definition (the reference); log axis because the errors span decades, so another method with
            // error 0 (ggn on a ReLU net, where the Hessian is the GGN) has no bar and is named in the title instead.
            var exactToo = lines.Where(e => e.Method != "exact" && e.Error == 0).Select(e => e.Method).ToList();
            string zeroNote = exactToo.Count == 0 ? "" : $"; error 0: {string.Join(", ", exactToo)}";
            QualityCharts.LogBarsWithDots(bars, $"{title}, {phase}: L1 error / HesScale's (log axis, dots: seeds{zeroNote})", "normalized L1 error",
                lines.Where(e => e.Method != "exact" && e.Error > 0).Select(e => (e.Method, e.Error, e.PerSeed)).ToList());
            files.Add(bars);

            // Layers in the order the rows give them: from the input (conv1, conv2, fc1; or fc1..fc4).
            var layers = rows.Where(r => r.Phase == phase && r.Layer != "all").Select(r => r.Layer).Distinct().ToArray();
            // One line per method (the 50-sample variants left out to keep ten distinct colours);
            // errors below 1e-6 are float rounding of an exact layer and are drawn at 1e-6.
            var series = lines.Where(e => e.Method is not ("exact" or "ggn_mc_50" or "hutchinson_50" or "kfac_50")).Select(e =>
                (e.Method, layers.Select(l => Math.Max(1e-6, rows.Where(r => r.Phase == phase && r.Method == e.Method && r.Layer == l).Average(r => r.L1Error))).ToArray())).ToList();
            string perLayer = Path.Combine(outDir, $"quality_layers_{phase}.png");
            QualityCharts.LayerLines(perLayer, $"{title}, {phase}: L1 error per layer", layers, series);
            files.Add(perLayer);
        }
        return files;
    }
}
