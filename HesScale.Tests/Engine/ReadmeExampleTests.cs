using System.Globalization;
using HesScale.Gpu;

namespace HesScale.Tests.Engine;

/// <summary>
/// The README's C# example, kept compiling and running (only the console output is captured);
/// the numbers it prints are checked against the double-precision reference.
/// </summary>
[TestClass]
public sealed class ReadmeExampleTests
{
    [TestMethod]
    public void Readme_example_runs()
    {
        using var output = new StringWriter();
        using var device = ComputeDevice.FromEnvironment(null);   // HESSCALE_DEVICE or auto: CUDA, OpenCL, native CPU
        var spec = new NetworkSpec(
            LayerSpec.Linear(64, 32), LayerSpec.Tanh(),
            LayerSpec.Linear(32, 10));                             // weights are out x in, like PyTorch
        using var net = new Network(device, spec, seed: 0);        // or pass your own float[] per tensor

        float[] x = new float[8 * 64];                             // a batch of 8 inputs, row-major
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7];
        var r = net.Backward(x, 8, Targets.FromClasses(labels), LossSpec.CrossEntropy(),
                             CurvatureMethod.HesScale, CurvatureMethod.BL89);
        output.WriteLine($"loss {r.Loss} on {device.Name}");
        foreach (var p in spec.Parameters)                         // weight then bias of each Linear layer
            output.WriteLine($"{p.Name} of layer {p.LayerIndex}: g[0] = {r.Gradient(p.Index)[0]}, " +
                              $"h[0] = {r.Curvature(CurvatureMethod.HesScale, p.Index)[0]}");

        // The printed numbers against the double-precision reference on the network's own parameters.
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(1 + spec.Parameters.Count, lines);
        var reference = new HesScale.Reference.ReferenceNetwork(spec, spec.Parameters.Select(p => net.GetParameter(p.Index).Select(v => (double)v).ToArray()).ToArray());
        var xd = new double[x.Length];
        var targets = HesScale.Reference.ReferenceTargets.FromClasses(labels);
        double loss = reference.Loss(xd, 8, targets, LossSpec.CrossEntropy());
        var gradient = reference.Gradient(xd, 8, targets, LossSpec.CrossEntropy());
        var curvature = reference.Curvature(xd, 8, targets, LossSpec.CrossEntropy(), CurvatureMethod.HesScale);
        AssertClose(loss, Number(lines[0], "loss ", " on "), "loss");
        // Zero inputs: the loss is that of the output bias alone, close to log(10) for PyTorch's init.
        Assert.IsTrue(loss > 1.5 && loss < 3.5, $"loss {loss}");
        foreach (var p in spec.Parameters)
        {
            string line = lines[1 + p.Index];
            StringAssert.StartsWith(line, $"{p.Name} of layer {p.LayerIndex}:");
            AssertClose(gradient[p.Index][0], Number(line, "g[0] = ", ","), line);
            AssertClose(curvature[p.Index][0], Number(line, "h[0] = ", null), line);
        }
        Assert.AreNotEqual(0.0, gradient[1][0], "the first bias has a gradient: the comparison is not of zeros only");
    }

    [TestMethod]
    public void Package_readme_shows_the_same_example()
    {
        // The NuGet package's readme (HesScale.Gpu/PACKAGE.md) repeats the README's example; keep them equal.
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "HesScale.Gpu.sln"))) root = root.Parent;
        Assert.IsNotNull(root, "repository root (HesScale.Gpu.sln) not found above the test binaries");
        static string Example(string path)
        {
            string text = File.ReadAllText(path);
            int start = text.IndexOf("```csharp\n", StringComparison.Ordinal);
            Assert.IsGreaterThanOrEqualTo(0, start, $"no C# example in {path}");
            int end = text.IndexOf("```", start + 10, StringComparison.Ordinal);
            return text[(start + 10)..end];
        }
        Assert.AreEqual(Example(Path.Combine(root.FullName, "README.md")), Example(Path.Combine(root.FullName, "HesScale.Gpu", "PACKAGE.md")));
    }

    /// <summary>The number printed between <paramref name="before"/> and <paramref name="after"/> (end of line when null).</summary>
    private static double Number(string line, string before, string? after)
    {
        int start = line.IndexOf(before, StringComparison.Ordinal);
        Assert.IsGreaterThanOrEqualTo(0, start, $"'{before}' in '{line}'");
        start += before.Length;
        int end = after is null ? line.TrimEnd('\r').Length : line.IndexOf(after, start, StringComparison.Ordinal);
        return double.Parse(line[start..end], NumberStyles.Float, CultureInfo.CurrentCulture); // printed with the current culture
    }

    private static void AssertClose(double expected, double printed, string what) =>
        Assert.AreEqual(expected, printed, 1e-4 * Math.Max(Math.Abs(expected), 1e-6), what);
}
