// TEMPORARY: stand-in for HesScale.Reference's API until branch `reference` lands; delete on merge.
namespace HesScale.Reference;

using HesScale.Gpu;

public sealed record ReferenceTargets(int[]? Classes, double[]? Values)
{
    public static ReferenceTargets FromClasses(int[] classes) => new(classes, null);
    public static ReferenceTargets FromValues(double[] values) => new(null, values);
}

public sealed class ReferenceNetwork
{
    public const int MaxExactParameters = 5000;
    public ReferenceNetwork(NetworkSpec spec, IReadOnlyList<double[]> parameters) { _ = spec; _ = parameters; }
    public double Loss(double[] inputs, int batch, ReferenceTargets t, LossSpec loss) => throw new NotImplementedException();
    public double[][] Gradient(double[] inputs, int batch, ReferenceTargets t, LossSpec loss) => throw new NotImplementedException();
    public double[][] ExactDiagonal(double[] inputs, int batch, ReferenceTargets t, LossSpec loss) => throw new NotImplementedException();
    public double[][] GgnDiagonal(double[] inputs, int batch, ReferenceTargets t, LossSpec loss) => throw new NotImplementedException();
    public double[][] Curvature(double[] inputs, int batch, ReferenceTargets t, LossSpec loss, CurvatureMethods single) => throw new NotImplementedException();
}
