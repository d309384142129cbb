using BenchmarkDotNet.Running;
using HesScale.Bench.Commands;
using HesScale.Gpu.Cases;

namespace HesScale.Bench;

/// <summary>The <c>hesscale</c> command line: <c>diag</c>, <c>demo</c>, <c>bench</c>.</summary>
public static class Program
{
    public const string Usage =
        "usage: hesscale <command> [options]\n" +
        "commands:\n" +
        "  diag    gradients and Hessian diagonals for case files (hesscale diag --help)\n" +
        "  demo    a small tanh network: every method next to the exact diagonal (hesscale demo --help)\n" +
        "  rl      train an A2C/PPO agent on a classic-control task (hesscale rl --help)\n" +
        "  rl-sweep  step-size robustness sweep over optimizers, learning rates and seeds (hesscale rl-sweep --help)\n" +
        "  quality approximation error of every Hessian-diagonal method on the digits data (hesscale quality --help)\n" +
        "  selfcheck  a device against the golden cases and the native CPU path (for GPU machines)\n" +
        "  cost    time per step of every method on the paper's cost networks (hesscale cost --help)\n" +
        "  train   train an MLP classifier with the optimizers, sweeps, checkpoints (hesscale train --help)\n" +
        "  cost-grid  time per pass with each curvature method over a grid of MLP widths and depths (hesscale cost-grid --help)\n" +
        "  profile time of each device operation of one forward and fused backward pass (hesscale profile --help)\n" +
        "  launches  kernel launches per step of every method, as on a GPU, and the launch-bound floor (hesscale launches --help)\n" +
        "  ptx     every kernel compiled to PTX for sm_70/80/90 and assembled by ptxas: registers, shared memory, spills (hesscale ptx --help)\n" +
        "  bench   BenchmarkDotNet benchmarks; the remaining arguments go to BenchmarkDotNet (Release builds only)\n" +
        "  --help  this text\n" +
        "environment: HESSCALE_DEVICE picks the device when --device is not given (auto, cuda, opencl, cpu, ilgpu-cpu).";

    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        string[] rest = args[1..];
        try
        {
            switch (args[0])
            {
                case "diag":
                    return DiagCommand.Run(rest, Console.Out, Console.Error);
                case "demo":
                    return DemoCommand.Run(rest, Console.Out, Console.Error);
                case "rl":
                    return RlCommand.Run(rest, Console.Out, Console.Error);
                case "rl-sweep":
                    return RlSweepCommand.Run(rest, Console.Out, Console.Error);
                case "selfcheck":
                    return SelfCheckCommand.Run(rest, Console.Out, Console.Error);
                case "cost":
                    return CostCommand.Run(rest, Console.Out, Console.Error);
                case "cost-grid": return CostGridCommand.Run(rest, Console.Out, Console.Error);
                case "profile": return ProfileCommand.Run(rest, Console.Out, Console.Error);
                case "ptx": return PtxCommand.Run(rest, Console.Out, Console.Error);
                case "launches": return LaunchesCommand.Run(rest, Console.Out, Console.Error);
                case "quality":
                    return QualityCommand.Run(rest, Console.Out, Console.Error);
                case "train":
                    return TrainCommand.Run(rest, Console.Out, Console.Error);
                case "bench":
                    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest);
                    return 0;
                case "--help" or "-h" or "help":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"hesscale: unknown command '{args[0]}'.");
                    Console.Error.WriteLine(Usage);
                    return 2;
            }
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"hesscale: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is CaseFormatException or IOException or UnauthorizedAccessException
            or InvalidOperationException or ArgumentException or NotSupportedException or NotImplementedException or ArithmeticException)
        {
            Console.Error.WriteLine($"hesscale: error: {e.Message}");
            return 1;
        }
    }
}
