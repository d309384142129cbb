using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Curvature;

/// <summary>Helpers shared by the estimator tests.</summary>
internal static class CurvatureCases
{
    /// <summary>Every parameter tensor's diagonal of one estimate, copied to the host.</summary>
    public static float[][] Diagonals(BackwardResult e, NetworkSpec spec) => spec.Parameters.Select(p => e.Diagonal(p.Index)).ToArray();

    public static float[] Flatten(IEnumerable<float[]> tensors) => tensors.SelectMany(t => t).ToArray();

    public static double[] Flatten(IEnumerable<double[]> tensors) => tensors.SelectMany(t => t).ToArray();

    /// <summary>Relative error over all tensors at once (see <see cref="Norms.RelativeError"/>).</summary>
    public static double RelativeError(float[][] ours, double[][] expected, double floor = 1e-6) =>
        Norms.RelativeError(Flatten(ours), Flatten(expected), floor);

    public static Network NetworkFor(RandomCase c, ComputeDevice device) => new(device, c.Spec, c.Parameters);
}
