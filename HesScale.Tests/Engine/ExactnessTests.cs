using HesScale.Gpu;

namespace HesScale.Tests.Engine;

/// <summary>
/// The exactness properties of method.md, checked on the device kernels against the reference's
/// exact Hessian diagonal: HesScale's last Linear layer is exact; a lone Linear layer is exact;
/// with MSE and one hidden layer the whole diagonal is exact. Bound as in EngineVersusReferenceTests.
/// </summary>
[TestClass]
public sealed class ExactnessTests
{
    private static (double[][] Exact, BackwardResult Result, Network Net) Run(DeviceKind device, RandomCase c, params CurvatureMethod[] methods)
    {
        var net = new Network(Devices.Get(device), c.Spec, c.Parameters);
        var result = net.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, methods);
        var exact = c.Reference().ExactDiagonal(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss);
        return (exact, result, net);
    }

    public static IEnumerable<object[]> Activations => RandomCase.Activations.Select(a => new object[] { a });

    [TestMethod]
    [DynamicData(nameof(Activations))]
    public void Last_layer_is_exact_for_every_activation(LayerKind activation)
    {
        foreach (var loss in new[] { LossSpec.CrossEntropy(), LossSpec.Mse(Reduction.Sum) })
        {
            var c = RandomCase.Create(600 + (int)activation, maxWidth: 9, maxBatch: 5, hidden: 2, activation: activation, loss: loss);
            var (exact, result, net) = Run(DeviceKind.IlgpuCpu, c, CurvatureMethod.HesScale);
            using (net)
            {
                int last = c.Spec.Layers.Count - 1;
                var lastParams = c.Spec.Parameters.Where(p => p.LayerIndex == last).ToArray();
                Assert.IsNotEmpty(lastParams);
                var hidden = c.Spec.Parameters.Where(p => p.LayerIndex != last).Select(p => p.Index).ToArray();
                // Restrict the comparison to the last layer's tensors.
                EngineVersusReferenceTests.Compare("hesscale (last layer)", exact,
                    p => hidden.Contains(p) ? exact[p].Select(v => (float)v).ToArray() : result.Curvature(CurvatureMethod.HesScale, p), c);
            }
        }
    }

    [TestMethod]
    [DataRow(LossKind.MeanSquaredError, Reduction.Mean)]
    [DataRow(LossKind.CrossEntropy, Reduction.Mean)]
    [DataRow(LossKind.CrossEntropy, Reduction.Sum)]
    public void Single_linear_layer_is_exact(LossKind kind, Reduction reduction)
    {
        var c = RandomCase.Create(700 + (int)kind, maxWidth: 11, maxBatch: 6, hidden: 0, loss: new LossSpec(kind, reduction));
        var (exact, result, net) = Run(DeviceKind.IlgpuCpu, c, CurvatureMethod.HesScale);
        using (net) EngineVersusReferenceTests.Compare("hesscale", exact, p => result.Curvature(CurvatureMethod.HesScale, p), c);
    }

    [TestMethod]
    [DataRow(LayerKind.Tanh)]
    [DataRow(LayerKind.Sigmoid)]
    [DataRow(LayerKind.ELU)]
    [DataRow(LayerKind.Softplus)]
    public void Mse_with_one_hidden_layer_is_exact(LayerKind activation)
    {
        var c = RandomCase.Create(800 + (int)activation, maxWidth: 9, maxBatch: 5, hidden: 1, activation: activation, loss: LossSpec.Mse());
        var (exact, result, net) = Run(DeviceKind.Cpu, c, CurvatureMethod.HesScale);
        using (net) EngineVersusReferenceTests.Compare("hesscale", exact, p => result.Curvature(CurvatureMethod.HesScale, p), c);
    }

    [TestMethod]
    public void Hidden_layers_are_not_exact_in_general()
    {
        // Guards the tests above from passing vacuously: with two tanh layers and cross-entropy
        // the first layer's HesScale diagonal must differ from the exact one.
        var c = RandomCase.Create(900, maxWidth: 9, maxBatch: 5, hidden: 2, activation: LayerKind.Tanh, loss: LossSpec.CrossEntropy());
        var (exact, result, net) = Run(DeviceKind.Cpu, c, CurvatureMethod.HesScale);
        using (net)
        {
            double err = Norms.RelativeError(result.Curvature(CurvatureMethod.HesScale, 0), exact[0], 1e-12);
            Assert.IsGreaterThan(1e-3, err, "first-layer HesScale unexpectedly equals the exact diagonal");
        }
    }
}
