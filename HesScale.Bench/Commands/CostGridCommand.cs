using System.Globalization;
using HesScale.Bench.Perf;
using HesScale.Bench.Plotting;
using HesScale.Gpu;
using HesScale.Gpu.Files;
using HesScale.Gpu.Performance;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale cost-grid</c>: wall-clock time of one forward pass and of Network.Backward with each
/// set of curvature methods, over a grid of MLP widths and depths (the paper's cost figure).
/// Prints a table; with <c>--out</c> also writes cost-grid.csv and PNG charts.
/// </summary>
public static class CostGridCommand
{
    public const string Usage =
        "usage: hesscale cost-grid [--widths LIST] [--depths LIST] [--batch N] [--inputs N] [--outputs K]\n" +
        "                          [--activation A] [--passes LIST] [--min-time-ms T] [--warmup-ms T] [--out DIR]\n" +
        "                          [--device D] [--threads T]\n" +
        "  network: inputs -> depth x (Linear(width), activation) -> Linear(outputs), cross-entropy (mean)\n" +
        "  --widths       comma-separated hidden widths (default 64,128,256,512)\n" +
        "  --depths       comma-separated hidden-layer counts (default 1,2,3)\n" +
        "  --batch        samples per pass (default 1, as in the paper)\n" +
        "  --inputs       input width (default 64);  --outputs  classes (default 100)\n" +
        "  --activation   tanh, sigmoid, relu, ... (default tanh)\n" +
        "  --passes       comma-separated: forward, gradient, hesscale_gn, hesscale, bl89, all (default: every one)\n" +
        "  --min-time-ms  measuring time per grid point and pass (default 300); --warmup-ms (default 100)\n" +
        "  --out          folder for cost-grid.csv and charts (created if missing)\n" +
        "  --device       auto, cuda, opencl, cpu, ilgpu-cpu (default: $HESSCALE_DEVICE, else auto)\n" +
        "  --threads      CPU threads for the cpu devices (0 = all)";

    private const string Command = "cost-grid";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var options = CommandLine.Parse(args, Command, Options);
            var settings = Settings(options);
            string? outDir = options.Get("out");
            using var device = ComputeDevice.FromEnvironment(options.Get("device"), options.Threads(Command));
            stdout.WriteLine($"device: {device.Name}");
            stdout.WriteLine($"network: {settings.Inputs} -> depth x (Linear(width), {LayerSpec.NameOf(settings.Activation)}) -> Linear({settings.Outputs}), cross_entropy(mean), batch {settings.Batch}");
            stdout.WriteLine("times in microseconds per call (median, p10-p90); rel = median / gradient pass median");
            stdout.WriteLine($"{"depth",5} {"width",6} {"params",9} {"pass",-12} {"median",10} {"p10",10} {"p90",10} {"n",6} {"rel",6}");
            var rows = CostExperiment.Run(device, settings, r => stdout.WriteLine(
                $"{r.Depth,5} {r.Width,6} {r.Parameters,9} {r.Pass,-12} {F(r.Time.Median),10} {F(r.Time.P10),10} {F(r.Time.P90),10} {r.Time.Count,6} {R(r.RelativeToGradient),6}"));
            if (outDir is not null)
            {
                foreach (string path in Write(outDir, device.Name, rows)) stdout.WriteLine($"wrote {path}");
            }
            return 0;
        });
    }

    private static readonly string[] Options = ["widths", "depths", "batch", "inputs", "outputs", "activation", "passes",
        "min-time-ms", "warmup-ms", "out", "device", "threads"];

    /// <summary>The grid a command line asks for; throws <see cref="UsageException"/> naming a bad option.</summary>
    public static CostSettings ParseSettings(IReadOnlyList<string> args) => Settings(CommandLine.Parse(args, Command, Options));

    private static CostSettings Settings(CommandLine options)
    {
        var defaults = new CostSettings();
        var activation = defaults.Activation;
        if (options.Get("activation") is { } a && (!LayerSpec.TryParseKind(a, out activation) || activation == LayerKind.Linear))
            throw new UsageException($"cost-grid: --activation '{a}' is not an activation (tanh, sigmoid, relu, leaky_relu, elu, selu, softplus, identity).");
        IReadOnlyList<PassKind> passes = defaults.Passes;
        if (options.Get("passes") is { } p)
        {
            try
            {
                passes = Split(p, "passes").Select(PassKind.Parse).Distinct().ToArray();
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"cost-grid: --passes: {UsageException.Plain(e)}", e);
            }
        }
        var budget = new TimingBudget(
            WarmupMs: Number(options, "warmup-ms", defaults.Budget.WarmupMs),
            MinTimeMs: Number(options, "min-time-ms", defaults.Budget.MinTimeMs));
        return new CostSettings
        {
            Widths = Ints(options, "widths", 1) ?? defaults.Widths,
            Depths = Ints(options, "depths", 0) ?? defaults.Depths,
            Batch = Ints(options, "batch", 1)?.Single() ?? defaults.Batch,
            Inputs = Ints(options, "inputs", 1)?.Single() ?? defaults.Inputs,
            Outputs = Ints(options, "outputs", 2)?.Single() ?? defaults.Outputs,
            Activation = activation,
            Passes = passes,
            Budget = budget,
        };
    }

    private static string[] Split(string text, string name)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new UsageException($"cost-grid: --{name} needs at least one value.");
        return parts;
    }

    /// <summary>A comma-separated list of integers >= <paramref name="min"/> (one value for scalar options); null when absent.</summary>
    private static int[]? Ints(CommandLine options, string name, int min)
    {
        if (options.Get(name) is not { } text) return null;
        bool list = name is "widths" or "depths";
        var parts = Split(text, name);
        if (!list && parts.Length != 1) throw new UsageException($"cost-grid: --{name} takes one integer, got '{text}'.");
        return parts.Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= min ? v
            : throw new UsageException($"cost-grid: --{name} expects {(list ? "integers" : "an integer")} >= {min}, got '{s}'.")).ToArray();
    }

    private static double Number(CommandLine options, string name, double fallback)
    {
        if (options.Get(name) is not { } text) return fallback;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v >= 0 ? v
            : throw new UsageException($"cost-grid: --{name} expects a number of milliseconds >= 0, got '{text}'.");
    }

    /// <summary>cost-grid.csv, one time chart per depth and one relative-cost chart; returns the paths written.</summary>
    internal static IReadOnlyList<string> Write(string folder, string deviceName, IReadOnlyList<CostRow> rows)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        string csv = Path.Combine(folder, "cost-grid.csv");
        using (var w = new StringWriter(CultureInfo.InvariantCulture))
        {
            w.WriteLine("device,depth,width,batch,parameters,pass,samples,median_us,p10_us,p90_us,mean_us,relative_to_gradient");
            foreach (var r in rows)
            {
                w.WriteLine(string.Join(",", Quote(deviceName), I(r.Depth), I(r.Width), I(r.Batch), r.Parameters.ToString(CultureInfo.InvariantCulture), r.Pass,
                    I(r.Time.Count), D(r.Time.Median), D(r.Time.P10), D(r.Time.P90), D(r.Time.Mean), D(r.RelativeToGradient)));
            }
            AtomicFile.WriteAllText(csv, w.ToString());
        }
        written.Add(csv);

        var passes = rows.Select(r => r.Pass).Distinct().ToArray();
        foreach (int depth in rows.Select(r => r.Depth).Distinct())
        {
            var series = passes.Select(p =>
            {
                var pts = rows.Where(r => r.Depth == depth && r.Pass == p).OrderBy(r => r.Width).ToArray();
                return new Series(p, pts.Select(r => (double)r.Width).ToArray(), pts.Select(r => r.Time.Median).ToArray(),
                    pts.Select(r => r.Time.P10).ToArray(), pts.Select(r => r.Time.P90).ToArray());
            }).ToArray();
            string png = Path.Combine(folder, $"cost-grid-depth{depth}.png");
            Charts.Lines(png, $"Time per call, {depth} hidden layer{(depth == 1 ? "" : "s")} ({deviceName})", "hidden width",
                "microseconds (median, p10-p90)", series, logY: true);
            written.Add(png);
        }

        var curvature = passes.Where(p => p != PassKind.Forward.Name && p != PassKind.Gradient.Name).ToArray();
        if (rows.Any(r => r.Pass == PassKind.Gradient.Name) && curvature.Length > 0)
        {
            int deepest = rows.Max(r => r.Depth);
            var series = curvature.Select(p =>
            {
                var pts = rows.Where(r => r.Depth == deepest && r.Pass == p).OrderBy(r => r.Width).ToArray();
                return new Series(p, pts.Select(r => (double)r.Width).ToArray(), pts.Select(r => r.RelativeToGradient).ToArray());
            }).ToArray();
            string png = Path.Combine(folder, "cost-grid-relative.png");
            Charts.Lines(png, $"Backward with curvature / gradient-only backward, {deepest} hidden layers", "hidden width", "relative time", series);
            written.Add(png);
        }
        return written;
    }

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);
    private static string R(double v) => double.IsNaN(v) ? "-" : v.ToString("0.00", CultureInfo.InvariantCulture);
    private static string Quote(string s) => "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
