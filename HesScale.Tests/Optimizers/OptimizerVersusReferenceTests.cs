using HesScale.Gpu;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Optimizers;

/// <summary>
/// Every optimizer's device step against the double-precision reference step over four steps
/// (bias corrections at t = 1..4), odd widths, both losses, batch 1 included.
/// </summary>
[TestClass]
public sealed class OptimizerVersusReferenceTests
{
    public static IEnumerable<object[]> Names => OptimizerCases.ResultOptimizers.Concat(OptimizerCases.EstimateOptimizers).Select((n, i) => new object[] { n, i });

    private static LossSpec Loss(int i) => i % 2 == 0 ? LossSpec.CrossEntropy() : LossSpec.Mse(Reduction.Sum);

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void Simulator_small_odd_network(string name, int i) =>
        OptimizerCases.CheckSteps(Devices.Simulator, name, RandomCase.Create(700 + i, maxWidth: 13, maxBatch: 7, hidden: 2, activation: LayerKind.Tanh, loss: Loss(i)), OptimizerCases.Settings());

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void Simulator_batch_one(string name, int i) =>
        OptimizerCases.CheckSteps(Devices.Simulator, name, RandomCase.Create(720 + i, maxWidth: 9, maxBatch: 1, hidden: 1, activation: LayerKind.Sigmoid, loss: Loss(i + 1), batchSize: 1), OptimizerCases.Settings());

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void Native_odd_network_up_to_width_67(string name, int i) =>
        OptimizerCases.CheckSteps(Devices.Native, name, RandomCase.Create(740 + i, maxWidth: 67, maxBatch: 33, hidden: 3, activation: LayerKind.Tanh, loss: Loss(i)), OptimizerCases.Settings());

    [TestMethod]
    [DynamicData(nameof(Names))]
    public void Native_batch_one(string name, int i) =>
        OptimizerCases.CheckSteps(Devices.Native, name, RandomCase.Create(760 + i, maxWidth: 31, maxBatch: 1, hidden: 2, activation: LayerKind.Softplus, loss: Loss(i + 1), batchSize: 1), OptimizerCases.Settings());

    /// <summary>A 97 x 101 weight (9,797 values) spans two native chunks of the partial sums.</summary>
    [TestMethod]
    [DataRow("scaled_adahesscale")]
    [DataRow("scaled_adam")]
    [DataRow("adahesscale_gn")]
    public void Native_tensor_larger_than_one_chunk(string name)
    {
        var c = RandomCase.Create(780, maxWidth: 5, maxBatch: 5, hidden: 0, loss: LossSpec.Mse());
        var spec = new NetworkSpec(LayerSpec.Linear(101, 97), LayerSpec.Tanh(), LayerSpec.Linear(97, 3));
        var rng = new Random(5);
        var parameters = spec.Parameters.Select(p => Enumerable.Range(0, p.Length).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f).ToArray()).ToArray();
        int batch = 5;
        var inputs = Enumerable.Range(0, batch * 101).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var targets = Targets.FromValues(Enumerable.Range(0, batch * 3).Select(_ => (float)rng.NextDouble()).ToArray());
        var big = c with { Spec = spec, Parameters = parameters, Inputs = inputs, Batch = batch, Targets = targets };
        OptimizerCases.CheckSteps(Devices.Native, name, big, OptimizerCases.Settings(), steps: 3);
    }
}
