using System.Globalization;
using HesScale.Gpu;
using HesScale.Reference;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale demo [--device D] [--threads T]</c>: a small network that ships with the project,
/// Linear(6,5) -> Tanh -> Linear(5,3) with cross-entropy on a batch of 4 (fixed seed). Prints,
/// per parameter tensor, the exact Hessian diagonal (double reference) next to HesScale,
/// HesScaleGN, BL89 (engine), the exact GGN diagonal (reference) and the gradient, then each
/// method's relative L1 error against the exact diagonal. Tanh makes the s''(a) g term matter,
/// so HesScale and HesScaleGN differ in the first layer.
/// </summary>
public static class DemoCommand
{
    public const string Usage =
        "usage: hesscale demo [--device D] [--threads T]\n" +
        "  --device   auto, cuda, opencl, cpu, ilgpu-cpu, or a device name (default: $HESSCALE_DEVICE, else auto)\n" +
        "  --threads  CPU threads for the cpu devices (0 = all)";

    /// <summary>Seed of the demo's parameters, inputs and targets.</summary>
    public const int Seed = 2024;
    public const int Batch = 4;

    private const string Command = "demo";

    /// <summary>The demo network: Linear(6,5) -> Tanh -> Linear(5,3).</summary>
    public static NetworkSpec Spec { get; } = new(LayerSpec.Linear(6, 5), LayerSpec.Tanh(), LayerSpec.Linear(5, 3));

    /// <summary>Cross-entropy, mean over the batch.</summary>
    public static LossSpec Loss { get; } = LossSpec.CrossEntropy();

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var options = CommandLine.Parse(args, Command, "device", "threads");
            using var device = ComputeDevice.FromEnvironment(options.Get("device"), options.Threads(Command));
            Print(device, stdout);
            return 0;
        });
    }

    private static void Print(ComputeDevice device, TextWriter o)
    {
        var spec = Spec;
        float[][] parameters = spec.InitialParameters(Seed);
        var rng = new Random(Seed + 1);
        var inputs = new float[Batch * spec.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)(rng.NextDouble() * 4 - 2);
        var classes = new int[Batch];
        for (int n = 0; n < Batch; n++) classes[n] = rng.Next(spec.OutputSize);

        CurvatureMethod[] all = [CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN, CurvatureMethod.BL89];
        // The result reads from the network's device buffers: the network stays alive until the end.
        using var network = new Network(device, spec, parameters);
        BackwardResult backward = network.Backward(inputs, Batch, Targets.FromClasses(classes), Loss, all);

        // The reference sees exactly the float32 values the engine got, widened to double.
        var reference = new ReferenceNetwork(spec, parameters.Select(p => p.Select(v => (double)v).ToArray()).ToList());
        double[] inputs64 = inputs.Select(v => (double)v).ToArray();
        var targets64 = ReferenceTargets.FromClasses(classes);
        double[][] exact = reference.ExactDiagonal(inputs64, Batch, targets64, Loss);
        double[][] ggn = reference.GgnDiagonal(inputs64, Batch, targets64, Loss);

        o.WriteLine($"device: {device.Name}");
        o.WriteLine($"network: {spec}, {Loss}, batch {Batch}, seed {Seed}; loss {backward.Loss.ToString("R", CultureInfo.InvariantCulture)}");

        string[] estimates = ["hesscale", "hesscale_gn", "bl89", "ggn"];
        var l1 = new double[estimates.Length];
        double l1Exact = 0;
        foreach (var info in spec.Parameters)
        {
            var columns = new double[][]
            {
                exact[info.Index],
                Widen(backward.Curvature(CurvatureMethod.HesScale, info.Index)),
                Widen(backward.Curvature(CurvatureMethod.HesScaleGN, info.Index)),
                Widen(backward.Curvature(CurvatureMethod.BL89, info.Index)),
                ggn[info.Index],
                Widen(backward.Gradient(info.Index)),
            };
            o.WriteLine();
            o.WriteLine($"layer {info.LayerIndex} {info.Name} ({info.Rows} x {info.Cols})");
            o.WriteLine($"{"index",-7} {"exact",11} {"hesscale",11} {"hesscale_gn",11} {"bl89",11} {"ggn",11} {"gradient",11}");
            for (int i = 0; i < info.Length; i++)
            {
                string index = info.IsWeight ? $"[{i / info.Cols},{i % info.Cols}]" : $"[{i}]";
                o.WriteLine($"{index,-7} {string.Join(" ", columns.Select(c => Format(c[i])))}");
                l1Exact += Math.Abs(columns[0][i]);
                for (int m = 0; m < estimates.Length; m++) l1[m] += Math.Abs(columns[m + 1][i] - columns[0][i]);
            }
        }

        o.WriteLine();
        o.WriteLine("relative L1 error vs exact (sum |estimate - exact| / sum |exact|, all tensors):");
        for (int m = 0; m < estimates.Length; m++)
            o.WriteLine($"  {estimates[m],-12} {(l1[m] / l1Exact).ToString("0.0000E+00", CultureInfo.InvariantCulture)}");
    }

    private static double[] Widen(float[] values) => values.Select(v => (double)v).ToArray();

    private static string Format(double v) => v.ToString("0.000E+00", CultureInfo.InvariantCulture).PadLeft(11);
}
