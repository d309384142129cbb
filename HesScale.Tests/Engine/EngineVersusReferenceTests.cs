using HesScale.Gpu;

namespace HesScale.Tests.Engine;

/// <summary>
/// Float kernels against the double-precision reference on random networks. Bound: per tensor,
/// ||ours - reference|| / ||reference|| &lt;= 1e-4 (float32 rounding over widths up to 67 stays near
/// 1e-6; the bound leaves room for tanh/exp differences), with the denominator floored at 1e-3 of
/// the quantity's norm over all tensors so that all-but-zero tensors are compared absolutely.
/// </summary>
[TestClass]
public sealed class EngineVersusReferenceTests
{
    public const double Tolerance = 1e-4;
    private static readonly CurvatureMethod[] AllMethods = [CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN, CurvatureMethod.BL89];

    public static IEnumerable<object[]> ActivationLossGrid =>
        from act in RandomCase.Activations
        from kind in new[] { LossKind.MeanSquaredError, LossKind.CrossEntropy }
        from red in new[] { Reduction.Mean, Reduction.Sum }
        select new object[] { act, kind, red };

    [TestMethod]
    [DynamicData(nameof(ActivationLossGrid))]
    public void Simulator_every_activation_and_loss(LayerKind activation, LossKind loss, Reduction reduction)
    {
        int seed = (int)activation * 10 + (int)loss * 2 + (int)reduction;
        Check(Devices.Simulator, RandomCase.Create(seed, maxWidth: 13, maxBatch: 7, hidden: 2, activation: activation, loss: new LossSpec(loss, reduction)));
    }

    [TestMethod]
    [DataRow(0)] [DataRow(1)] [DataRow(2)] [DataRow(3)] [DataRow(4)] [DataRow(5)]
    public void Simulator_batch_one(int seed) => Check(Devices.Simulator, RandomCase.Create(100 + seed, maxWidth: 21, maxBatch: 1, batchSize: 1));

    [TestMethod]
    [DataRow(0)] [DataRow(1)] [DataRow(2)] [DataRow(3)] [DataRow(4)] [DataRow(5)] [DataRow(6)] [DataRow(7)]
    public void Simulator_random_depths(int seed) => Check(Devices.Simulator, RandomCase.Create(200 + seed, maxWidth: 19, maxBatch: 9));

    public static IEnumerable<object[]> NativeSeeds => Enumerable.Range(0, 24).Select(s => new object[] { s });

    [TestMethod]
    [DynamicData(nameof(NativeSeeds))]
    public void Native_random_networks_up_to_width_67_batch_33(int seed) => Check(Devices.Native, RandomCase.Create(300 + seed, maxWidth: 67, maxBatch: 33));

    [TestMethod]
    [DataRow(0)] [DataRow(1)] [DataRow(2)] [DataRow(3)]
    public void Native_batch_one(int seed) => Check(Devices.Native, RandomCase.Create(400 + seed, maxWidth: 67, maxBatch: 1, batchSize: 1));

    [TestMethod]
    public void Native_single_thread_matches_reference()
    {
        using var device = ComputeDevice.Create(DeviceKind.Cpu, threads: 1);
        Check(device, RandomCase.Create(500, maxWidth: 67, maxBatch: 33, hidden: 3));
    }

    internal static void Check(ComputeDevice device, RandomCase c)
    {
        using var net = new Network(device, c.Spec, c.Parameters);
        var result = net.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, AllMethods);
        var reference = c.Reference();
        var x = c.InputsD;
        var t = c.ReferenceTargets;

        double loss = reference.Loss(x, c.Batch, t, c.Loss);
        Assert.AreEqual(loss, result.Loss, 1e-5 * Math.Max(1, Math.Abs(loss)), $"loss, {c}");

        Compare("gradient", reference.Gradient(x, c.Batch, t, c.Loss), p => result.Gradient(p), c);
        foreach (var m in CurvatureMethod.Fused)
            Compare(m.Id, reference.Curvature(x, c.Batch, t, c.Loss, m), p => result.Curvature(m, p), c);
    }

    internal static void Compare(string what, double[][] expected, Func<int, float[]> ours, RandomCase c, double tolerance = Tolerance)
    {
        double floor = Math.Max(1e-3 * Norms.Norm(expected), 1e-12);
        foreach (var p in c.Spec.Parameters)
        {
            double err = Norms.RelativeError(ours(p.Index), expected[p.Index], floor);
            Assert.IsLessThanOrEqualTo(tolerance, err, $"{what} of layer {p.LayerIndex} {p.Name}: relative error {err:E2}, {c}");
        }
    }
}
