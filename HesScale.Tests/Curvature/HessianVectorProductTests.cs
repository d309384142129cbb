using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Curvature;

/// <summary>The R-operator kernels' H v against the reference's Pearlmutter product.</summary>
[TestClass]
public sealed class HessianVectorProductTests
{
    [TestMethod]
    [DataRow(DeviceKind.IlgpuCpu, 11, 5)]
    [DataRow(DeviceKind.Cpu, 31, 7)]
    public void Hv_matches_reference(DeviceKind kind, int maxWidth, int maxBatch)
    {
        for (int seed = 0; seed < RandomCase.Activations.Length; seed++)
        {
            var c = RandomCase.Create(500 + seed, maxWidth, maxBatch, hidden: 1 + seed % 3, activation: RandomCase.Activations[seed], batchSize: seed == 0 ? 1 : null);
            var rng = new Random(seed);
            var v = c.Spec.Parameters.Select(p => Enumerable.Range(0, p.Length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
            var expected = c.Reference().HessianVectorProduct(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss, v.Select(t => t.Select(x => (double)x).ToArray()).ToArray());

            using var network = CurvatureCases.NetworkFor(c, Devices.Get(kind));
            using var estimator = new CurvatureEstimator(network);
            var hv = estimator.HessianVectorProduct(c.Inputs, c.Batch, c.Targets, c.Loss, v);
            double floor = 1e-6 * Math.Max(1, Norms.Norm(expected));
            Assert.IsLessThanOrEqualTo(2e-4, CurvatureCases.RelativeError(hv, expected, floor), $"H v: {c}");
        }
    }
}
