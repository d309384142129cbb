using HesScale.Gpu;
using MathNet.Numerics.LinearAlgebra;

namespace HesScale.Reference;

/// <summary>The exact Hessian (P x P, parameters flattened in order) and its diagonal, from explicit matrices (<see cref="ExplicitCurvature"/>).</summary>
internal static class ExactHessian
{
    public static Matrix<double> Full(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss) =>
        ExplicitCurvature.FullHessian(net, inputs, batch, targets, loss);

    /// <summary>diag(H), one array per parameter tensor.</summary>
    public static double[][] Diagonal(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss) =>
        Unflatten(net, ExplicitCurvature.HessianDiagonal(net, inputs, batch, targets, loss));

    /// <summary>Concatenates per-tensor arrays in order.</summary>
    public static double[] Flatten(double[][] tensors) => tensors.SelectMany(t => t).ToArray();

    /// <summary>Splits a flat length-P vector into per-tensor arrays.</summary>
    public static double[][] Unflatten(ReferenceNetwork net, double[] flat)
    {
        var result = net.ZeroParameters();
        int offset = 0;
        foreach (var t in result)
        {
            Array.Copy(flat, offset, t, 0, t.Length);
            offset += t.Length;
        }
        return result;
    }
}
