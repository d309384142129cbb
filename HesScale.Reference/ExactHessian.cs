using HesScale.Gpu;
using MathNet.Numerics.LinearAlgebra;

namespace HesScale.Reference;

/// <summary>The exact Hessian (P x P, parameters flattened in spec order) column by column: H e_j by the R-operator.</summary>
internal static class ExactHessian
{
    public static Matrix<double> Full(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        int p = net.Spec.ParameterCount;
        var h = Matrix<double>.Build.Dense(p, p);
        ForEachColumn(net, inputs, batch, targets, loss, (j, column) =>
        {
            for (int i = 0; i < p; i++) h[i, j] = column[i];
        });
        return h;
    }

    /// <summary>diag(H): entry j of H e_j, without storing the P x P matrix.</summary>
    public static double[][] Diagonal(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        var flat = new double[net.Spec.ParameterCount];
        ForEachColumn(net, inputs, batch, targets, loss, (j, column) => flat[j] = column[j]);
        return Unflatten(net, flat);
    }

    /// <summary>Calls use(j, H e_j) for every flat index j; columns are independent, so they run in parallel.</summary>
    private static void ForEachColumn(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss, Action<int, double[]> use)
    {
        var at = PearlmutterHvp.Linearize(net, inputs, batch, targets, loss);
        var tensorOf = net.Spec.Parameters.SelectMany(p => Enumerable.Range(0, p.Length).Select(e => (p.Index, e))).ToArray();
        Parallel.For(0, tensorOf.Length, j =>
        {
            var v = net.ZeroParameters();
            v[tensorOf[j].Index][tensorOf[j].e] = 1.0;
            use(j, Flatten(PearlmutterHvp.Product(net, at, v)));
        });
    }

    /// <summary>Concatenates per-tensor arrays in spec order.</summary>
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
