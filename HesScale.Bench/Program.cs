using BenchmarkDotNet.Running;
using HesScale.Bench.Commands;

namespace HesScale.Bench;

/// <summary>The <c>hesscale</c> command line: the commands of <see cref="Commands"/> (each listed in <see cref="Usage"/>) and <c>bench</c>.</summary>
public static class Program
{
    public const string Usage =
        "usage: hesscale <command> [options]\n" +
        "commands:\n" +
        "  diag    gradients and Hessian diagonals for case files (hesscale diag --help)\n" +
        "  demo    a small tanh network: every method next to the exact diagonal (hesscale demo --help)\n" +
        "  rl      train an A2C/PPO agent on a classic-control or MuJoCo task (hesscale rl --help)\n" +
        "  env-replay  replay mujoco-trajectory/1 cases on the MuJoCo environments (hesscale env-replay --help)\n" +
        "  env-rate  steps per second of the MuJoCo environments and of raw mj_step (hesscale env-rate --help)\n" +
        "  rl-sweep  step-size robustness sweep over optimizers, learning rates and seeds (hesscale rl-sweep --help)\n" +
        "  quality approximation error of every Hessian-diagonal method on the digits data (hesscale quality --help)\n" +
        "  selfcheck  a device against the golden cases and the native CPU path (for GPU machines)\n" +
        "  cost    time per step of every method on the paper's cost networks (hesscale cost --help)\n" +
        "  train   train an MLP classifier with the optimizers, sweeps, checkpoints (hesscale train --help)\n" +
        "  cost-grid  time per pass with each curvature method over a grid of MLP widths and depths (hesscale cost-grid --help)\n" +
        "  profile time of each device operation of one forward and fused backward pass (hesscale profile --help)\n" +
        "  device-sample  an application that keeps its data on the device and trains there (hesscale device-sample --help)\n" +
        "  merge   combine the shard files of a sweep run with --shard K/N into its outputs (hesscale merge --help)\n" +
        "  slurm   write sbatch scripts that run a sweep as a Slurm job array plus a merge job (hesscale slurm --help)\n" +
        "  launches  kernel launches per step of every method, as on a GPU, and the launch-bound floor (hesscale launches --help)\n" +
        "  ptx     every kernel compiled to PTX for sm_70/80/90 and assembled by ptxas: registers, shared memory, spills (hesscale ptx --help)\n" +
        "  bench   BenchmarkDotNet benchmarks; the remaining arguments go to BenchmarkDotNet (Release builds only)\n" +
        "  --help  this text\n" +
        "--verbose (any command): print the stack trace of an unexpected internal error.\n" +
        "environment: HESSCALE_DEVICE picks the device when --device is not given (auto, cuda, opencl, cpu, ilgpu-cpu).";

    /// <summary>Every command but <c>bench</c> by name: <c>Run(args, stdout, stderr)</c> returning the exit code.</summary>
    public static readonly IReadOnlyDictionary<string, Func<string[], TextWriter, TextWriter, int>> Commands =
        new Dictionary<string, Func<string[], TextWriter, TextWriter, int>>(StringComparer.Ordinal)
        {
            ["diag"] = DiagCommand.Run,
            ["demo"] = DemoCommand.Run,
            ["rl"] = RlCommand.Run,
            ["env-replay"] = EnvReplayCommand.Run,
            ["env-rate"] = EnvRateCommand.Run,
            ["rl-sweep"] = RlSweepCommand.Run,
            ["selfcheck"] = SelfCheckCommand.Run,
            ["cost"] = CostCommand.Run,
            ["cost-grid"] = CostGridCommand.Run,
            ["profile"] = ProfileCommand.Run,
            ["device-sample"] = DeviceSampleCommand.Run,
            ["ptx"] = PtxCommand.Run,
            ["launches"] = LaunchesCommand.Run,
            ["quality"] = QualityCommand.Run,
            ["train"] = TrainCommand.Run,
            ["merge"] = MergeCommand.Run,
            ["slurm"] = SlurmCommand.Run,
        };

    public static int Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        // --verbose anywhere: the last-resort handler also prints the stack trace.
        bool verbose = args.Contains("--verbose", StringComparer.Ordinal);
        if (verbose) args = args.Where(a => a != "--verbose").ToArray();
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
                case var name when Commands.TryGetValue(name, out var command):
                    return command(rest, Console.Out, Console.Error);
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
        catch (Exception e) when (CommandRunner.IsReportable(e))
        {
            Console.Error.WriteLine($"hesscale: error: {e.Message}");
            return 1;
        }
        catch (Exception e)
        {
            return ReportUnexpected(e, Console.Error, verbose);
        }
    }

    /// <summary>
    /// The last resort for an exception no command expected (a bug): one line naming it, the stack
    /// trace only with <c>--verbose</c>; exit code 1. No command ends in an unhandled exception.
    /// </summary>
    public static int ReportUnexpected(Exception e, TextWriter stderr, bool verbose)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(stderr);
        string message = e.Message.ReplaceLineEndings(" ");
        stderr.WriteLine($"hesscale: internal error: {e.GetType().Name}: {message}{(verbose ? "" : " (run with --verbose for the stack trace)")}");
        if (verbose) stderr.WriteLine(e);
        return 1;
    }
}
