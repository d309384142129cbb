using HesScale.Bench.Commands;
using HesScale.Gpu;

namespace HesScale.Tests.Cli;

[TestClass]
public sealed class LaunchesCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = LaunchesCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [TestMethod]
    [DataRow("gradient")]
    [DataRow("adahesscale")]
    public void Shrunk_sizes_launch_as_the_full_sizes(string method)
    {
        // Batch 17 and width 17 take the tiled kernels (groups of 256, tile 16); the shrunk copy must take the same ones.
        using var device = LaunchesCommand.GpuShapedSimulator();
        var spec = new NetworkSpec(LayerSpec.Linear(17, 17, bias: false), LayerSpec.Tanh(), LayerSpec.Linear(17, 3, bias: false));
        var (small, smallBatch) = LaunchesCommand.Shrink(spec, 17);
        Assert.AreEqual((16, 16, 3), (smallBatch, small.Layers[0].Out, small.OutputSize));
        Assert.AreEqual(LaunchesCommand.Count(device, spec, 17, method), LaunchesCommand.Count(device, small, smallBatch, method));
    }

    [TestMethod]
    public void Tiled_forward_adds_a_launch_that_the_two_thread_simulator_does_not_see()
    {
        // Linear + Tanh is one fused launch untiled, tiled product + activation when tiled: the group size
        // matters from a batch of one tile, which is why the command counts those configs with groups of 256.
        var spec = new NetworkSpec(LayerSpec.Linear(16, 16, bias: false), LayerSpec.Tanh(), LayerSpec.Linear(16, 3, bias: false));
        using var gpuShaped = LaunchesCommand.GpuShapedSimulator();
        using var fast = ComputeDevice.Create(DeviceKind.IlgpuCpu);
        Assert.AreEqual(LaunchesCommand.Count(fast, spec, 16, "gradient").Launches + 1, LaunchesCommand.Count(gpuShaped, spec, 16, "gradient").Launches);
        Assert.AreEqual(LaunchesCommand.Count(fast, spec, 15, "gradient"), LaunchesCommand.Count(gpuShaped, spec, 15, "gradient"));
    }

    [TestMethod]
    public void Paper_cost_gradient_step_launches_match_the_count_by_hand()
    {
        var (code, output, err) = Run("--configs", "paper-cost-L2", "--methods", "gradient");
        Assert.AreEqual(0, code, err);
        // Linear(64,512), 2 x [Linear(512,512), Tanh], Linear(512,100), batch 1: forward 1 + 2 fused + 1,
        // loss 1, backward 4 weight + 3 input products (the two after a Tanh carry its backward) = 12
        // launches (3d + 6 for d blocks); 1 host wait (the loss).
        var row = output.Split('\n').Single(l => l.StartsWith("paper-cost-L2", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        CollectionAssert.AreEqual(new[] { "paper-cost-L2", "4", "gradient", "12", "3.00", "1", "60" }, row);
    }

    [TestMethod]
    public void Bad_options_are_usage_errors()
    {
        var (code, _, err) = Run("--us-per-launch", "0");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "--us-per-launch");
        (code, _, err) = Run("--methods", "newton");
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "unknown method 'newton'");
    }
}
