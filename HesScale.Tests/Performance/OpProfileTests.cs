using HesScale.Bench.Commands;
using HesScale.Gpu;
using HesScale.Gpu.Performance;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Performance;

[TestClass]
public sealed class OpProfileTests
{
    private static readonly TimingBudget Quick = new(WarmupMs: 0, MinTimeMs: 0, MinSamples: 3, MaxSamples: 3);

    [TestMethod]
    [DataRow(DeviceKind.Cpu)]
    [DataRow(DeviceKind.IlgpuCpu)]
    public void Profile_times_each_layer_operation_once_forward_and_once_per_channel_count(DeviceKind kind)
    {
        var spec = new NetworkSpec(LayerSpec.Linear(7, 5), LayerSpec.Tanh(), LayerSpec.Linear(5, 3, bias: false));
        var rows = OpProfile.Run(Devices.Get(kind), spec, batch: 5, channelCounts: [1, 3], Quick);

        CollectionAssert.AreEqual(new[] { "linear_forward", "activation_forward", "linear_forward" },
            rows.Where(r => r.Channels == 0).Select(r => r.Op).ToArray());
        foreach (int c in new[] { 1, 3 })
        {
            var pass = rows.Where(r => r.Channels == c && r.Op != OpProfile.FusedOp).ToArray();
            CollectionAssert.AreEqual(new[] { "loss_backward", "linear_backward", "activation_backward", "linear_backward" }, pass.Select(r => r.Op).ToArray());
            CollectionAssert.AreEqual(new[] { -1, 2, 1, 0 }, pass.Select(r => r.Layer).ToArray());
        }
        Assert.IsTrue(rows.All(r => r.Time.Count == 3));
        // The native device also times the fused sweep of linear_backward, once per Linear layer and channel
        // count, at batches where the engine runs the panel path (below it, the engine runs the fused sweep).
        var fused = rows.Where(r => r.Op == OpProfile.FusedOp).Select(r => (r.Layer, r.Channels)).ToArray();
        CollectionAssert.AreEqual(kind == DeviceKind.Cpu ? new[] { (2, 1), (0, 1), (2, 3), (0, 3) } : Array.Empty<(int, int)>(), fused);
        Assert.AreEqual("N=5 5<-3", rows.Single(r => r.Channels == 1 && r.Layer == 2 && r.Op == "linear_backward").Shape);
        Assert.IsFalse(OpProfile.Run(Devices.Get(kind), spec, batch: 3, channelCounts: [1], Quick).Any(r => r.Op == OpProfile.FusedOp));
    }

    [TestMethod]
    public void Profile_rejects_channel_counts_outside_the_engine_limit()
    {
        var spec = new NetworkSpec(LayerSpec.Linear(3, 2));
        var e = Assert.ThrowsExactly<ArgumentException>(() => OpProfile.Run(Devices.Native, spec, 1, [1, OpProfile.MaxChannels + 1], Quick));
        Assert.AreEqual("channelCounts", e.ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => OpProfile.Run(Devices.Native, spec, 0, [1], Quick));
    }

    [TestMethod]
    public void Profile_command_prints_the_device_and_one_table_per_pass()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = ProfileCommand.Run(["--device", "cpu", "--width", "9", "--depth", "1", "--inputs", "5", "--outputs", "3",
            "--channels", "1,2", "--min-time-ms", "0", "--warmup-ms", "0"], stdout, stderr);

        Assert.AreEqual(0, code, stderr.ToString());
        string text = stdout.ToString();
        Assert.StartsWith("device: cpu", text);
        Assert.Contains("Linear(5, 9) -> Tanh -> Linear(9, 3)", text);
        Assert.Contains("forward pass", text);
        Assert.Contains("C = 1 channel (gradient)", text);
        Assert.Contains("C = 2 channels (gradient + 1 curvature)", text);
        Assert.AreEqual(3, text.Split('\n').Count(l => l.TrimStart().StartsWith("sum", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void Profile_config_times_the_layers_of_a_cost_config_conv_net()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = ProfileCommand.Run(["--device", "cpu", "--config", "cnn-small", "--channels", "2", "--min-time-ms", "0", "--warmup-ms", "0"], stdout, stderr);

        Assert.AreEqual(0, code, stderr.ToString());
        string text = stdout.ToString();
        Assert.Contains("batch 1", text);
        Assert.Contains("C = 2 channels (gradient + 1 curvature)", text);
        foreach (var op in new[] { "conv2d_forward", "conv2d_backward", "max_pool2d_backward", "linear_backward" })
            Assert.Contains(op, text, $"cnn-small's {op} row");
    }

    [TestMethod]
    [DataRow("--width", "9", "drop --width")]
    [DataRow("--activation", "relu", "drop --activation")]
    public void Profile_config_refuses_network_options_and_unknown_configs(string option, string value, string named)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.AreEqual(2, ProfileCommand.Run(["--config", "cnn-small", option, value, "--device", "cpu"], stdout, stderr));
        Assert.Contains(named, stderr.ToString().Split('\n')[0]);
        using var unknownOut = new StringWriter();
        using var unknownErr = new StringWriter();
        Assert.AreEqual(2, ProfileCommand.Run(["--config", "cnn-big", "--device", "cpu"], unknownOut, unknownErr));
        Assert.Contains("--config: unknown config 'cnn-big'", unknownErr.ToString().Split('\n')[0]);
    }

    [TestMethod]
    [DataRow("--channels", "0", "--channels")]
    [DataRow("--channels", "9", "--channels")]
    [DataRow("--width", "3,5", "--width")]
    [DataRow("--depth", "-1", "--depth")]
    [DataRow("--passes", "all", "--passes")]
    public void Profile_command_rejects_bad_options_naming_them(string option, string value, string named)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.AreEqual(2, ProfileCommand.Run([option, value, "--device", "cpu"], stdout, stderr));
        string first = stderr.ToString().Split('\n')[0];
        Assert.Contains(named, first);
        Assert.DoesNotContain("cost", first);
    }
}
