using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Gpu.Kernels;
using HesScale.Reference;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Curvature;

/// <summary>Counter-based random numbers across backends, the engine-backed kinds, BL89 as officially computed, bad input.</summary>
[TestClass]
public sealed class SeedAndKindTests
{
    [TestMethod]
    public void Rademacher_kernels_equal_the_host_generator()
    {
        const int count = 1001;
        var host = Enumerable.Range(0, count).Select(i => RandomMath.Rademacher(9, 3, (ulong)i)).ToArray();
        foreach (var device in new[] { Devices.Simulator, Devices.Native })
        {
            using var buffer = device.Backend.Allocate(count);
            device.Backend.Rademacher(buffer, count, 9, 3);
            var values = new float[count];
            buffer.Download(values);
            CollectionAssert.AreEqual(host, values, device.Name);
        }
        Assert.IsLessThan(60, Math.Abs(host.Sum()), "Rademacher signs should be balanced"); // |sum| ~ sqrt(1001) = 32
    }

    [TestMethod]
    [DataRow("ggn_mc", LossKind.CrossEntropy)]
    [DataRow("ggn_mc", LossKind.MeanSquaredError)]
    [DataRow("kfac", LossKind.CrossEntropy)]
    [DataRow("hutchinson", LossKind.CrossEntropy)]
    public void Same_seed_same_numbers_on_simulator_and_native(string id, LossKind loss)
    {
        var kind = CurvatureMethod.Parse(id);
        var c = RandomCase.Create(31, 9, 5, hidden: 2, activation: LayerKind.Sigmoid, loss: new LossSpec(loss));
        float[] Run(ComputeDevice device, ulong seed)
        {
            using var network = CurvatureCases.NetworkFor(c, device);
            using var estimator = new CurvatureEstimator(network);
            var e = estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, kind, samples: 3, seed: seed);
            Assert.AreEqual(3, e.Samples);
            return CurvatureCases.Flatten(CurvatureCases.Diagonals(e, c.Spec));
        }
        var simulator = Run(Devices.Simulator, 42);
        var native = Run(Devices.Native, 42);
        var other = Run(Devices.Native, 43);
        var asDouble = native.Select(v => (double)v).ToArray();
        Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(simulator, asDouble, 1e-12), $"{kind}: simulator vs native, seed 42");
        Assert.IsGreaterThan(1e-2, Norms.RelativeError(other, asDouble, 1e-12), $"{kind}: seeds 42 and 43 should differ");
    }

    [TestMethod]
    [DataRow(DeviceKind.IlgpuCpu)]
    [DataRow(DeviceKind.Cpu)]
    public void Engine_kinds_equal_network_backward(DeviceKind kind)
    {
        var c = RandomCase.Create(12, 13, 4, hidden: 2, activation: LayerKind.ELU, loss: LossSpec.CrossEntropy());
        using var network = CurvatureCases.NetworkFor(c, Devices.Get(kind));
        using var estimator = new CurvatureEstimator(network);
        foreach (var (estimatorKind, method) in new[] { (CurvatureMethod.HesScale, CurvatureMethod.HesScale), (CurvatureMethod.HesScaleGN, CurvatureMethod.HesScaleGN), (CurvatureMethod.BL89, CurvatureMethod.BL89) })
        {
            var expected = c.Reference().Curvature(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss, method);
            var e = estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, estimatorKind);
            Assert.IsLessThanOrEqualTo(2e-4, CurvatureCases.RelativeError(CurvatureCases.Diagonals(e, c.Spec), expected, 1e-6), estimatorKind.ToString());
        }
        var squared = estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.GradSquared);
        foreach (var p in c.Spec.Parameters)
        {
            var g = squared.Gradient(p.Index);
            CollectionAssert.AreEqual(g.Select(v => v * v).ToArray(), squared.Diagonal(p.Index), $"grad_squared {p.Index}");
        }
    }

    [TestMethod]
    [DataRow(DeviceKind.IlgpuCpu, LossKind.CrossEntropy)]
    [DataRow(DeviceKind.Cpu, LossKind.CrossEntropy)]
    [DataRow(DeviceKind.Cpu, LossKind.MeanSquaredError)]
    public void Bl89_official_matches_reference(DeviceKind kind, LossKind loss)
    {
        var c = RandomCase.Create(21, 11, 6, hidden: 2, activation: LayerKind.Tanh, loss: new LossSpec(loss));
        var expected = Bl89Official.Diagonal(c.Reference(), c.InputsD, c.Batch, c.ReferenceTargets, c.Loss);
        using var network = CurvatureCases.NetworkFor(c, Devices.Get(kind));
        using var estimator = new CurvatureEstimator(network);
        var e = estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.BL89Official);
        Assert.IsLessThanOrEqualTo(2e-4, CurvatureCases.RelativeError(CurvatureCases.Diagonals(e, c.Spec), expected, 1e-6), $"{c}");
        var lastWeight = c.Spec.Parameters.Last(p => p.IsWeight);
        if (loss == LossKind.CrossEntropy)
        {
            Assert.IsTrue(e.Diagonal(lastWeight.Index).All(v => v == 0f), "the official BL89's last layer is zero");
            Assert.IsTrue(e.Diagonal(0).Any(v => v != 0f), "hidden layers keep the s'' g terms");
        }
    }

    [TestMethod]
    public void Bad_input_is_rejected_with_a_named_reason()
    {
        var c = RandomCase.Create(3, 5, 2, hidden: 1, activation: LayerKind.Tanh, loss: LossSpec.CrossEntropy());
        using var network = CurvatureCases.NetworkFor(c, Devices.Native);
        using var estimator = new CurvatureEstimator(network);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.GgnMc, samples: 0));
        Assert.AreEqual("samples", e.ParamName);
        Assert.ThrowsExactly<ArgumentNullException>(() => estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, null!));
        Assert.ThrowsExactly<ArgumentException>(() => estimator.Estimate(c.Inputs, c.Batch + 1, c.Targets, c.Loss, CurvatureMethod.Exact));
        var first = estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.Exact);
        estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, CurvatureMethod.Ggn);
        Assert.ThrowsExactly<InvalidOperationException>(() => first.Diagonal(0));
    }
}
