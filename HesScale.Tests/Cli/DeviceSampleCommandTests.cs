using System.Globalization;
using HesScale.Bench.Commands;

namespace HesScale.Tests.Cli;

/// <summary>
/// <c>hesscale device-sample</c> on the simulator: training with data kept on the device waits
/// for nothing, learns, and bad requests are one-line errors with nothing on stdout.
/// </summary>
[TestClass]
public sealed class DeviceSampleCommandTests
{
    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = DeviceSampleCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [TestMethod]
    public void Training_on_the_device_waits_for_nothing_and_learns()
    {
        var (code, stdout, stderr) = Run("--device", "ilgpu-cpu", "--steps", "60", "--batch", "16");
        Assert.AreEqual(0, code, stderr);
        Assert.Contains("training: 0 host waits", stdout);
        string loss = stdout.Split('\n').Single(l => l.StartsWith("loss:", StringComparison.Ordinal));
        // "loss: first 10 steps A, last 10 steps B, last step C"
        var numbers = loss.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries)
            .Where(t => t.Contains('.', StringComparison.Ordinal)).Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        Assert.HasCount(3, numbers, loss);
        Assert.IsLessThan(numbers[0] * 0.7, numbers[1], $"the loss did not fall: {loss}");
        Assert.Contains("test accuracy:", stdout);
    }

    [TestMethod]
    public void The_native_cpu_device_is_a_one_line_error()
    {
        var (code, stdout, stderr) = Run("--device", "cpu", "--steps", "2");
        Assert.AreEqual(1, code);
        Assert.AreEqual("", stdout);
        Assert.HasCount(1, stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), stderr);
        Assert.Contains("ilgpu-cpu", stderr);
    }

    [TestMethod]
    public void An_estimator_optimizer_is_a_one_line_error()
    {
        var (code, stdout, stderr) = Run("--device", "ilgpu-cpu", "--steps", "2", "--optimizer", "adahessian");
        Assert.AreEqual(1, code);
        Assert.AreEqual("", stdout);
        Assert.Contains("Network.Backward", stderr);
    }

    [TestMethod]
    [DataRow("--steps", "0")]
    [DataRow("--batch", "5000")]
    [DataRow("--lr", "nan")]
    [DataRow("--optimizer", "rmsprop")]
    [DataRow("--device", "tpu")]
    public void Bad_options_are_usage_errors(string option, string value)
    {
        var (code, stdout, stderr) = Run(option, value);
        Assert.AreEqual(2, code, stderr);
        Assert.AreEqual("", stdout);
        Assert.Contains(option == "--device" ? "tpu" : option.TrimStart('-'), stderr);
    }
}
