using HesScale.Gpu;

namespace HesScale.Reference;

/// <summary>
/// The exact GGN diagonal diag(sum_n J_n^T H_out,n J_n): J_n (K x P) is sample n's explicit output Jacobian,
/// H_out,n (K x K) the loss Hessian w.r.t. that sample's output (with the batch divisor M); see <see cref="ExplicitCurvature"/>.
/// </summary>
internal static class GaussNewtonDiagonal
{
    public static double[][] Compute(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss) =>
        ExactHessian.Unflatten(net, ExplicitCurvature.GgnDiagonal(net, inputs, batch, targets, loss));
}
