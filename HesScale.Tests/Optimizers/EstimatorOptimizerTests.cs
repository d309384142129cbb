using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Gpu.Optimizers;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Optimizers;

/// <summary>AdaHessian and AdaGGNMC step from CurvatureEstimator results (k samples, seeded per step).</summary>
[TestClass]
public sealed class EstimatorOptimizerTests
{
    private static readonly RandomCase Case = RandomCase.Create(960, maxWidth: 9, maxBatch: 5, hidden: 1, activation: LayerKind.Tanh, loss: LossSpec.CrossEntropy());

    [TestMethod]
    [DataRow("adahessian", "hutchinson")]
    [DataRow("adaggnmc", "ggn_mc")]
    public void Required_estimator_and_wrong_step_kind(string name, string id)
    {
        var kind = CurvatureMethod.Parse(id);
        using var net = new Network(Devices.Native, Case.Spec, Case.Parameters);
        using var opt = Optimizer.Create(name, net, new OptimizerSettings { Samples = 3 });
        Assert.AreEqual(kind, opt.RequiredEstimator);
        Assert.IsEmpty(opt.RequiredCurvature);
        var r = net.Backward(Case.Inputs, Case.Batch, Case.Targets, Case.Loss);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => opt.Step(r)).Message, "CurvatureEstimator");

        using var estimator = new CurvatureEstimator(net);
        var wrong = estimator.Estimate(Case.Inputs, Case.Batch, Case.Targets, Case.Loss, CurvatureMethod.HesScale);
        Assert.ThrowsExactly<ArgumentException>(() => opt.Step(wrong));
        var e = estimator.Estimate(Case.Inputs, Case.Batch, Case.Targets, Case.Loss, kind, 3, opt.NextSeed);
        opt.Step(e);
        Assert.ThrowsExactly<InvalidOperationException>(() => opt.Step(e)); // one step per estimate
        Assert.AreEqual(1, opt.Steps);
    }

    [TestMethod]
    public void Result_optimizers_refuse_estimates()
    {
        using var net = new Network(Devices.Native, Case.Spec, Case.Parameters);
        using var opt = Optimizer.Create("adahesscale", net, new OptimizerSettings());
        Assert.IsNull(opt.RequiredEstimator);
        using var estimator = new CurvatureEstimator(net);
        var e = estimator.Estimate(Case.Inputs, Case.Batch, Case.Targets, Case.Loss, CurvatureMethod.HesScale);
        Assert.ThrowsExactly<InvalidOperationException>(() => opt.Step(e));
    }

    [TestMethod]
    public void Several_samples_match_the_reference()
    {
        var c = RandomCase.Create(961, maxWidth: 15, maxBatch: 9, hidden: 2, activation: LayerKind.Tanh, loss: LossSpec.Mse());
        OptimizerCases.CheckSteps(Devices.Native, "adahessian", c, OptimizerCases.Settings() with { Samples = 4, Seed = 11 });
        OptimizerCases.CheckSteps(Devices.Simulator, "adaggnmc", c, OptimizerCases.Settings() with { Samples = 3, Seed = 12 });
    }

    [TestMethod]
    public void Next_seed_changes_every_step_and_follows_the_settings_seed()
    {
        using var net = new Network(Devices.Native, Case.Spec, Case.Parameters);
        using var a = Optimizer.Create("adahessian", net, new OptimizerSettings { Seed = 1 });
        using var b = Optimizer.Create("adahessian", net, new OptimizerSettings { Seed = 2 });
        Assert.AreNotEqual(a.NextSeed, b.NextSeed);
        ulong first = a.NextSeed;
        using var estimator = new CurvatureEstimator(net);
        a.Step(estimator.Estimate(Case.Inputs, Case.Batch, Case.Targets, Case.Loss, CurvatureMethod.Hutchinson, 1, a.NextSeed));
        Assert.AreNotEqual(first, a.NextSeed);
        Assert.AreEqual(a.NextSeed, a.GetState().RngState);
    }
}
