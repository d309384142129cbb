using System.Globalization;
using HesScale.Bench.Perf;
using HesScale.Gpu;
using HesScale.Gpu.Performance;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale profile</c>: time of each device operation of one network's forward pass and
/// fused backward pass (per channel count: 1 = gradient only, 2 = gradient + one curvature
/// method, ...), with each operation's share of its pass. Shows where the time goes and how the
/// backward operations grow with the number of channels.
/// </summary>
public static class ProfileCommand
{
    public const string Usage =
        "usage: hesscale profile [--width W] [--depth L] [--batch N] [--inputs N] [--outputs K] [--activation A] [--config ID]\n" +
        "                        [--channels LIST] [--min-time-ms T] [--warmup-ms T] [--device D] [--threads T]\n" +
        "  network: inputs -> depth x (Linear(width), activation) -> Linear(outputs), cross-entropy (mean)\n" +
        "  --width 256, --depth 2, --batch 1, --inputs 64, --outputs 100, --activation tanh (defaults)\n" +
        "  --config ID    instead, the network and batch of a `hesscale cost` config (e.g. cnn-small-128, 3c3d); --batch overrides its batch\n" +
        "  --channels     comma-separated backward channel counts, 1..8 (default 1,2,4)\n" +
        "  --min-time-ms  measuring time per operation (default 100); --warmup-ms (default 50)\n" +
        "  --device       auto, cuda, opencl, cpu, ilgpu-cpu (default: $HESSCALE_DEVICE, else auto)\n" +
        "  --threads      CPU threads for the cpu devices (0 = all)";

    private const string Command = "profile";

    private static readonly string[] Options = ["width", "depth", "batch", "inputs", "outputs", "activation", "config", "channels",
        "min-time-ms", "warmup-ms", "device", "threads"];

    /// <summary>The options that shape the MLP, which a --config replaces.</summary>
    private static readonly string[] NetworkOptions = ["width", "depth", "inputs", "outputs", "activation"];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var options = CommandLine.Parse(args, Command, Options);
            int[] channels = ParseList(options.Get("channels") ?? "1,2,4", "channels", 1, OpProfile.MaxChannels);
            // Network and timing options mean the same as in `hesscale cost-grid`.
            var cost = CostSettings(options);
            var budget = new TimingBudget(
                WarmupMs: options.Get("warmup-ms") is null ? 50 : cost.Budget.WarmupMs,
                MinTimeMs: options.Get("min-time-ms") is null ? 100 : cost.Budget.MinTimeMs);
            var (spec, batch) = Network(options, cost);

            using var device = ComputeDevice.FromEnvironment(options.Get("device"), options.Threads(Command));
            stdout.WriteLine($"device: {device.Name}");
            stdout.WriteLine($"network: {spec}, cross_entropy(mean), batch {batch}");
            stdout.WriteLine("microseconds per operation (launch + synchronise; median, p10-p90); share = median / sum of the pass's medians");
            var rows = OpProfile.Run(device, spec, batch, channels, budget);
            Print(stdout, rows);
            return 0;
        });
    }

    /// <summary>The MLP of the network options, or the network and batch of --config (a cost config; --batch overrides its batch).</summary>
    private static (NetworkSpec Spec, int Batch) Network(CommandLine options, CostSettings cost)
    {
        if (options.Get("config") is not { } id)
        {
            int width = options.Get("width") is null ? 256 : cost.Widths.Single();
            int depth = options.Get("depth") is null ? 2 : cost.Depths.Single();
            return (cost.Network(width, depth), cost.Batch);
        }
        if (NetworkOptions.FirstOrDefault(name => options.Get(name) is not null) is { } clash)
            throw new UsageException($"profile: --config {id} sets the network; drop --{clash}.");
        try
        {
            var (spec, batch) = CostCommand.Config(id);
            return (spec, options.Get("batch") is null ? batch : cost.Batch);
        }
        catch (UsageException e) when (e.Message.StartsWith("cost: ", StringComparison.Ordinal))
        {
            throw new UsageException("profile: --config: " + e.Message["cost: ".Length..], e);
        }
    }

    private static void Print(TextWriter o, IReadOnlyList<OpRow> rows)
    {
        var variants = rows.Where(r => r.Op == OpProfile.FusedOp).ToArray();
        foreach (var pass in rows.Where(r => r.Op != OpProfile.FusedOp).GroupBy(r => r.Channels))
        {
            double total = pass.Sum(r => r.Time.Median);
            o.WriteLine();
            o.WriteLine(pass.Key == 0 ? "forward pass" : $"backward pass, C = {pass.Key} channel{(pass.Key == 1 ? "" : "s")} (gradient{(pass.Key > 1 ? $" + {pass.Key - 1} curvature" : "")})");
            o.WriteLine($"{"layer",5} {"op",-20} {"shape",-22} {"median",9} {"p10",9} {"p90",9} {"share",6}");
            foreach (var r in pass)
            {
                string layer = r.Layer < 0 ? "loss" : r.Layer.ToString(CultureInfo.InvariantCulture);
                o.WriteLine($"{layer,5} {r.Op,-20} {r.Shape,-22} {F(r.Time.Median),9} {F(r.Time.P10),9} {F(r.Time.P90),9} {(r.Time.Median / total).ToString("P0", CultureInfo.InvariantCulture),6}");
            }
            o.WriteLine($"{"",5} {"sum",-20} {"",-22} {F(total),9}");
        }
        if (variants.Length == 0) return;
        o.WriteLine();
        o.WriteLine("native linear_backward: the engine's panel products vs the fused sweep over W (FusedLinearBackward)");
        o.WriteLine($"{"layer",5} {"C",3} {"shape",-22} {"panels",9} {"fused",9} {"ratio",6}");
        foreach (var v in variants)
        {
            var v1 = rows.Single(r => r.Op == "linear_backward" && r.Layer == v.Layer && r.Channels == v.Channels);
            o.WriteLine($"{v.Layer,5} {v.Channels,3} {v.Shape,-22} {F(v1.Time.Median),9} {F(v.Time.Median),9} {(v1.Time.Median / v.Time.Median).ToString("0.00", CultureInfo.InvariantCulture),6}");
        }
    }

    /// <summary>The network and timing options under `hesscale cost-grid`'s names.</summary>
    /// <summary>The cost-grid settings from profile's options; a usage error names profile's options (--width, not --widths).</summary>
    private static CostSettings CostSettings(CommandLine options)
    {
        try
        {
            return CostGridCommand.ParseSettings(CostArguments(options));
        }
        catch (UsageException e)
        {
            string message = e.Message.StartsWith("cost-grid: ", StringComparison.Ordinal) ? e.Message["cost-grid: ".Length..] : e.Message;
            throw new UsageException(message.Replace("--widths", "--width", StringComparison.Ordinal).Replace("--depths", "--depth", StringComparison.Ordinal), e);
        }
    }

    private static string[] CostArguments(CommandLine options)
    {
        var result = new List<string>();
        foreach (var (mine, theirs) in new[] { ("width", "widths"), ("depth", "depths"), ("batch", "batch"), ("inputs", "inputs"),
            ("outputs", "outputs"), ("activation", "activation"), ("min-time-ms", "min-time-ms"), ("warmup-ms", "warmup-ms") })
        {
            if (options.Get(mine) is not { } value) continue;
            if (mine is "width" or "depth" && value.Contains(',', StringComparison.Ordinal))
                throw new UsageException($"profile: --{mine} takes one integer, got '{value}'.");
            result.Add("--" + theirs);
            result.Add(value);
        }
        return result.ToArray();
    }

    private static int[] ParseList(string text, string name, int min, int max)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new UsageException($"profile: --{name} needs at least one value.");
        return parts.Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v >= min && v <= max ? v
            : throw new UsageException($"profile: --{name} expects integers in {min}..{max}, got '{s}'.")).Distinct().ToArray();
    }


    private static string F(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);
}
