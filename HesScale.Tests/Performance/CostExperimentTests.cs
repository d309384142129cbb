using HesScale.Bench.Perf;
using HesScale.Gpu.Performance;
using HesScale.Gpu;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Performance;

[TestClass]
public sealed class CostExperimentTests
{
    private static readonly TimingBudget Quick = new(WarmupMs: 0, MinTimeMs: 0, MinSamples: 3, MaxSamples: 3);

    [TestMethod]
    [DataRow(0, 7, 13, 5)]
    [DataRow(1, 3, 9, 11)]
    [DataRow(3, 5, 1, 2)]
    public void Network_chains_depth_hidden_layers_of_the_width(int depth, int inputs, int width, int outputs)
    {
        var spec = new CostSettings { Inputs = inputs, Outputs = outputs, Activation = LayerKind.Sigmoid }.Network(width, depth);

        Assert.HasCount(2 * depth + 1, spec.Layers);
        Assert.AreEqual(inputs, spec.InputSize);
        Assert.AreEqual(outputs, spec.OutputSize);
        Assert.AreEqual(depth, spec.Layers.Count(l => l.Kind == LayerKind.Sigmoid));
        long expected = depth == 0 ? (inputs + 1L) * outputs
            : (inputs + 1L) * width + (depth - 1L) * (width + 1) * width + (width + 1L) * outputs;
        Assert.AreEqual(expected, spec.ParameterCount);
    }

    [TestMethod]
    [DataRow(DeviceKind.Cpu)]
    [DataRow(DeviceKind.IlgpuCpu)]
    public void Run_times_every_pass_on_every_grid_point(DeviceKind kind)
    {
        var settings = new CostSettings { Widths = [3, 5], Depths = [0, 2], Inputs = 7, Outputs = 3, Budget = Quick };
        var rows = CostExperiment.Run(Devices.Get(kind), settings);

        Assert.HasCount(2 * 2 * PassKind.All.Count, rows);
        foreach (var group in rows.GroupBy(r => (r.Depth, r.Width)))
        {
            CollectionAssert.AreEqual(PassKind.All.Select(p => p.Name).ToArray(), group.Select(r => r.Pass).ToArray());
            var gradient = group.Single(r => r.Pass == "gradient");
            Assert.AreEqual(1.0, gradient.RelativeToGradient);
            foreach (var r in group)
            {
                Assert.AreEqual(3, r.Time.Count);
                Assert.AreEqual(r.Time.Median / gradient.Time.Median, r.RelativeToGradient, 1e-12);
                Assert.AreEqual(settings.Network(r.Width, r.Depth).ParameterCount, r.Parameters);
            }
        }
    }

    [TestMethod]
    public void Relative_cost_is_undefined_without_the_gradient_pass()
    {
        var settings = new CostSettings { Widths = [5], Depths = [1], Inputs = 3, Outputs = 2, Budget = Quick, Passes = [PassKind.Parse("HesScale")] };
        var row = CostExperiment.Run(Devices.Native, settings).Single();
        Assert.AreEqual("hesscale", row.Pass);
        Assert.IsTrue(double.IsNaN(row.RelativeToGradient));
    }

    [TestMethod]
    public void Bad_settings_are_named()
    {
        static string Param(CostSettings s) => Assert.Throws<ArgumentException>(s.Validate).ParamName!;
        Assert.AreEqual("Widths", Param(new CostSettings { Widths = [4, 0] }));
        Assert.AreEqual("Depths", Param(new CostSettings { Depths = [-1] }));
        Assert.AreEqual("Batch", Param(new CostSettings { Batch = 0 }));
        Assert.AreEqual("Outputs", Param(new CostSettings { Outputs = 1 }));
        Assert.AreEqual("Activation", Param(new CostSettings { Activation = LayerKind.Linear }));
        Assert.AreEqual("Passes", Param(new CostSettings { Passes = [] }));
        Assert.AreEqual("MinSamples", Param(new CostSettings { Budget = new TimingBudget(MinSamples: 0) }));
        Assert.Contains("softmax", Assert.ThrowsExactly<ArgumentException>(() => PassKind.Parse("softmax")).Message);
    }
}
