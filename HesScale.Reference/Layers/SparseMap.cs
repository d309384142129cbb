using MathNet.Numerics.LinearAlgebra;

namespace HesScale.Reference.Layers;

/// <summary>
/// One sample's linear map y = A x given by its nonzero entries (Out, In, Coefficient): how the parameterless
/// layers (pools, flatten) act on their input at the current point, applied to each row of a batch.
/// </summary>
internal sealed class SparseMap(int outSize, int inSize, (int Out, int In, double Coefficient)[] entries)
{
    public (int Out, int In, double Coefficient)[] Entries { get; } = entries;

    /// <summary>A u for one sample row (u: in).</summary>
    public void Apply(ReadOnlySpan<double> u, Span<double> y)
    {
        foreach (var e in Entries) y[e.Out] += e.Coefficient * u[e.In];
    }

    /// <summary>A^T g (g: out) added into r (in).</summary>
    public void ApplyTransposed(ReadOnlySpan<double> g, Span<double> r)
    {
        foreach (var e in Entries) r[e.In] += e.Coefficient * g[e.Out];
    }

    /// <summary>(A∘A)^T d added into r.</summary>
    public void ApplySquaredTransposed(ReadOnlySpan<double> d, Span<double> r)
    {
        foreach (var e in Entries) r[e.In] += e.Coefficient * e.Coefficient * d[e.Out];
    }

    /// <summary>A as a dense out x in matrix.</summary>
    public Matrix<double> ToMatrix()
    {
        var a = Matrix<double>.Build.Dense(outSize, inSize);
        foreach (var e in Entries) a[e.Out, e.In] += e.Coefficient;
        return a;
    }
}
