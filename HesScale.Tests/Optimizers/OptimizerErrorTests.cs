using HesScale.Gpu;
using HesScale.Gpu.Optimizers;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Optimizers;

[TestClass]
public sealed class OptimizerErrorTests
{
    private static readonly RandomCase Case = RandomCase.Create(900, maxWidth: 7, maxBatch: 3, hidden: 1, activation: LayerKind.Tanh, loss: LossSpec.CrossEntropy());

    [TestMethod]
    public void Names_are_the_issue_identifiers() =>
        CollectionAssert.AreEqual(
            new[] { "sgd", "adam", "adahesscale", "adahesscale_gn", "bl89", "adahessian", "adaggnmc", "scaled_adam", "scaled_adahesscale", "scaled_adahesscale_gn" },
            Optimizer.Names.ToArray());

    [TestMethod]
    public void Unknown_name_lists_the_known_ones()
    {
        using var net = new Network(Devices.Native, Case.Spec, Case.Parameters);
        var e = Assert.ThrowsExactly<ArgumentException>(() => Optimizer.Create("adamw", net, new OptimizerSettings()));
        StringAssert.Contains(e.Message, "adamw");
        StringAssert.Contains(e.Message, "adahesscale_gn");
    }

    [TestMethod]
    public void Create_validates_settings()
    {
        using var net = new Network(Devices.Native, Case.Spec, Case.Parameters);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Optimizer.Create("adam", net, new OptimizerSettings { Beta2 = 1f }));
        Assert.AreEqual("Beta2", e.ParamName);
    }

    [TestMethod]
    [DataRow("adahesscale", "hesscale")]
    [DataRow("adahesscale_gn", "hesscale_gn")]
    [DataRow("bl89", "bl89")]
    [DataRow("scaled_adam", "hesscale")]
    [DataRow("adam", "")]
    [DataRow("sgd", "")]
    public void Required_curvature(string name, string expected)
    {
        using var net = new Network(Devices.Native, Case.Spec, Case.Parameters);
        using var opt = Optimizer.Create(name, net, new OptimizerSettings());
        Assert.AreEqual(expected, string.Join(",", opt.RequiredCurvature.Select(m => m.Id)));
        Assert.AreEqual(name, opt.Name);
        Assert.AreEqual(1f, opt.LastScale);
    }

    [TestMethod]
    public void Missing_curvature_channel_is_named()
    {
        using var net = new Network(Devices.Native, Case.Spec, Case.Parameters);
        using var opt = Optimizer.Create("adahesscale", net, new OptimizerSettings());
        var r = net.Backward(Case.Inputs, Case.Batch, Case.Targets, Case.Loss, CurvatureMethod.HesScaleGN);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => opt.Step(r));
        StringAssert.Contains(e.Message, "hesscale");
        Assert.AreEqual(0, opt.Steps);
    }

    [TestMethod]
    public void Stale_result_is_refused()
    {
        using var net = new Network(Devices.Native, Case.Spec, Case.Parameters);
        using var opt = Optimizer.Create("adam", net, new OptimizerSettings());
        var r = net.Backward(Case.Inputs, Case.Batch, Case.Targets, Case.Loss);
        opt.Step(r);
        Assert.ThrowsExactly<InvalidOperationException>(() => opt.Step(r)); // the parameters changed since
        Assert.AreEqual(1, opt.Steps);
    }

    [TestMethod]
    public void Result_of_another_network_is_refused()
    {
        using var a = new Network(Devices.Native, Case.Spec, Case.Parameters);
        using var b = new Network(Devices.Native, Case.Spec, Case.Parameters);
        using var opt = Optimizer.Create("sgd", a, new OptimizerSettings());
        var r = b.Backward(Case.Inputs, Case.Batch, Case.Targets, Case.Loss);
        Assert.ThrowsExactly<ArgumentException>(() => opt.Step(r));
    }

    [TestMethod]
    public void State_of_another_optimizer_or_shape_is_refused()
    {
        using var net = new Network(Devices.Native, Case.Spec, Case.Parameters);
        using var adam = Optimizer.Create("adam", net, new OptimizerSettings());
        using var sgd = Optimizer.Create("sgd", net, new OptimizerSettings());
        Assert.ThrowsExactly<ArgumentException>(() => sgd.SetState(adam.GetState()));
        var state = adam.GetState();
        var slots = state.Slots.ToDictionary(kv => kv.Key, kv => kv.Value.Select(t => t.ToArray()).ToArray());
        slots["exp_avg"][0] = new float[slots["exp_avg"][0].Length + 1];
        var e = Assert.ThrowsExactly<ArgumentException>(() => adam.SetState(new OptimizerState("adam", 3, 1f, 0, slots)));
        StringAssert.Contains(e.Message, "exp_avg");
        Assert.ThrowsExactly<KeyNotFoundException>(() => state.Get("momentum_buffer", 0));
    }
}
