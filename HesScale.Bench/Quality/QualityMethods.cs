using HesScale.Gpu;

namespace HesScale.Bench.Quality;

/// <summary>One compared method: its identifier in files, the estimator and its number of samples (null estimator: the zero estimate).</summary>
public sealed record QualityMethod(string Id, CurvatureMethod? Kind, int Samples)
{
    /// <summary>
    /// Every method of the experiment: the rows of <see cref="CurvatureMethod.All"/> in table order,
    /// stochastic ones at 1 and 50 samples ("ggn_mc_1", "ggn_mc_50"), then the zero estimate.
    /// </summary>
    public static IReadOnlyList<QualityMethod> All { get; } =
    [
        .. CurvatureMethod.All.SelectMany(m => m.IsStochastic
            ? new QualityMethod[] { new($"{m.Id}_1", m, 1), new($"{m.Id}_50", m, 50) }
            : [new(m.Id, m, 1)]),
        new("zero", null, 1),
    ];
}
