using System.Globalization;
using HesScale.Gpu;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale launches</c>: kernel launches and host waits per step of each method on the cost
/// configurations, as a GPU would run them, and the launch-bound floor of a step (launches times
/// a per-launch cost). Counted on ILGPU's CPU simulator with groups of 256 threads, the GPU group
/// size, so the backend takes the same tiled-or-simple decisions as on a GPU; no GPU needed.
/// </summary>
public static class LaunchesCommand
{
    public const string Usage =
        "usage: hesscale launches [--configs LIST|all] [--methods LIST|all] [--us-per-launch U] [--full-size]\n" +
        "  configs, methods: as hesscale cost (default: all of each)\n" +
        "  --us-per-launch U  cost of one launch for the floor column (default 5 microseconds)\n" +
        "  --full-size        run the configs at their real sizes; by default every size of 16 or more\n" +
        "                     (widths, batch) runs as 16: launch counts depend on sizes only through the\n" +
        "                     backend's comparisons with the 16 x 16 tile, so the counts are the same and\n" +
        "                     the simulator does not spend minutes on wide layers";

    private const string Command = "launches";

    /// <summary>The GPU backend's tile edge (16 x 16 groups of 256 threads).</summary>
    public const int Tile = ComputeDevice.LinearTileEdge;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var o = CommandLine.Parse(args, Command, ["full-size"], "configs", "methods", "us-per-launch");
            var configs = CostCommand.List(o.Get("configs"), CostCommand.AllConfigs, CostCommand.AllConfigs);
            foreach (var c in configs) CostCommand.Config(c);
            var methods = CostCommand.List(o.Get("methods"), CostCommand.AllMethods, CostCommand.AllMethods);
            foreach (var m in methods)
                if (!CostCommand.AllMethods.Contains(m)) throw new UsageException($"{Command}: unknown method '{m}' (known: {string.Join(", ", CostCommand.AllMethods)}).");
            double us = double.TryParse(o.Get("us-per-launch") ?? "5", NumberStyles.Float, CultureInfo.InvariantCulture, out double u) && u > 0 && double.IsFinite(u)
                ? u : throw new UsageException($"{Command}: --us-per-launch expects a positive number.");
            bool full = o.Has("full-size");

            // Below a batch of one tile no Linear takes the tiled kernels whatever the group size, so
            // those configs run on the fast 2-thread simulator; the 256-thread one costs ~0.1 s a launch here.
            using var gpuShaped = GpuShapedSimulator();
            using var fast = ComputeDevice.Create(DeviceKind.IlgpuCpu);
            stdout.WriteLine($"launches per step on ILGPU's simulator with a GPU's tile decisions (groups of {Tile * Tile} from a batch of {Tile})" +
                (full ? "" : $", sizes of {Tile} or more run as {Tile}") + string.Create(CultureInfo.InvariantCulture, $"; floor at {us:G4} us per launch"));
            stdout.WriteLine($"{"config",-15} {"Linear",6} {"method",-15} {"launches",8} {"per Linear",10} {"host waits",10} {"floor us",9}");
            foreach (var id in configs)
            {
                var (spec, batch) = CostCommand.Config(id);
                if (!full) (spec, batch) = Shrink(spec, batch);
                int linears = spec.Layers.Count(l => l.IsLinear);
                foreach (var method in methods)
                {
                    var (launches, waits) = Count(batch >= Tile ? gpuShaped : fast, spec, batch, method);
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{id,-15} {linears,6} {method,-15} {launches,8} {(double)launches / linears,10:F2} {waits,10} {launches * us,9:F0}"));
                }
            }
            return 0;
        });
    }

    /// <summary>ILGPU's CPU simulator with groups of 256 threads (32 x 8), the group size of the GPU backend.</summary>
    public static ComputeDevice GpuShapedSimulator() => ComputeDevice.CreateSimulator(threadsPerWarp: 32, warpsPerGroup: 8);

    /// <summary>Launches and host waits of one step of <paramref name="method"/>, after one warm-up step.</summary>
    public static (long Launches, long HostWaits) Count(ComputeDevice device, NetworkSpec spec, int batch, string method)
    {
        using var step = CostCommand.MethodStep.Create(device, spec, batch, method);
        step.Run();
        long l0 = device.KernelLaunches, s0 = device.HostSynchronizations;
        step.Run();
        return (device.KernelLaunches - l0, device.HostSynchronizations - s0);
    }

    /// <summary>The same network and batch with every size of <see cref="Tile"/> or more made <see cref="Tile"/>.</summary>
    public static (NetworkSpec Spec, int Batch) Shrink(NetworkSpec spec, int batch)
    {
        static int S(int size) => Math.Min(size, Tile);
        var layers = spec.Layers.Select(l => l.IsLinear ? LayerSpec.Linear(S(l.In), S(l.Out), l.Bias) : l).ToArray();
        return (new NetworkSpec(layers), S(batch));
    }
}
