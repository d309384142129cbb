using HesScale.Gpu;

namespace HesScale.Reference;

/// <summary>
/// The exact GGN diagonal diag(sum_n J_n^T H_out,n J_n): J_n (K x P) is sample n's output Jacobian, row k by
/// backprop of e_k; H_out,n (K x K) is the loss Hessian w.r.t. that sample's output (with the batch divisor M).
/// </summary>
internal static class GaussNewtonDiagonal
{
    public static double[][] Compute(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        int inSize = net.Spec.InputSize, outputs = net.Outputs, p = net.Spec.ParameterCount;
        var y = net.ForwardValues(inputs, batch)[^1];
        var diag = new double[p];
        var jac = new double[outputs][]; // K rows of length P
        for (int n = 0; n < batch; n++)
        {
            var values = net.ForwardValues(inputs.AsSpan(n * inSize, inSize).ToArray(), 1);
            for (int k = 0; k < outputs; k++)
            {
                var ek = new double[outputs];
                ek[k] = 1.0;
                jac[k] = ExactHessian.Flatten(Backpropagation.Backward(net, values, ek, 1));
            }
            var hOut = LossDerivatives.SampleHessian(y, batch, outputs, n, loss);
            for (int k = 0; k < outputs; k++)
            {
                for (int l = 0; l < outputs; l++)
                {
                    double hkl = hOut[k * outputs + l];
                    if (hkl == 0.0) continue;
                    var jk = jac[k];
                    var jl = jac[l];
                    for (int j = 0; j < p; j++) diag[j] += jk[j] * hkl * jl[j];
                }
            }
        }
        return ExactHessian.Unflatten(net, diag);
    }
}
