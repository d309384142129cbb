using HesScale.Gpu;

namespace HesScale.Bench.Cases;

/// <summary>
/// One test case in the <c>hesscale-case/1</c> format: a network with its parameters, a batch of
/// inputs, a loss and its targets. Numbers are kept in double precision as read from the file.
/// </summary>
/// <param name="Spec">The layers.</param>
/// <param name="Parameters">One array per weight or bias tensor, in <see cref="NetworkSpec.Parameters"/> order (weights out x in, row-major).</param>
/// <param name="Inputs">Batch x <see cref="NetworkSpec.InputSize"/> inputs, row-major.</param>
/// <param name="Batch">Number of samples N (at least 1).</param>
/// <param name="Loss">Loss and reduction.</param>
/// <param name="Classes">N class indices for cross-entropy, otherwise null.</param>
/// <param name="TargetValues">N x K targets (row-major) for MSE, otherwise null.</param>
/// <param name="SourcePath">Where the case was read from (a path or a name given to <see cref="CaseFile.Parse"/>).</param>
public sealed record HesScaleCase(
    NetworkSpec Spec,
    IReadOnlyList<double[]> Parameters,
    double[] Inputs,
    int Batch,
    LossSpec Loss,
    int[]? Classes,
    double[]? TargetValues,
    string SourcePath)
{
    /// <summary>File name of <see cref="SourcePath"/>, e.g. <c>case-003.json</c>.</summary>
    public string FileName => Path.GetFileName(SourcePath);

    /// <summary>The parameters rounded to single precision, in spec order.</summary>
    public float[][] ParametersAsFloat() => Parameters.Select(ToFloat).ToArray();

    /// <summary>The inputs rounded to single precision.</summary>
    public float[] InputsAsFloat() => ToFloat(Inputs);

    /// <summary>The targets in the engine's form (single precision values or class indices).</summary>
    public Targets ToTargets() => Classes is not null
        ? Targets.FromClasses((int[])Classes.Clone())
        : Targets.FromValues(ToFloat(TargetValues ?? throw new InvalidOperationException("Case has neither class nor value targets.")));

    private static float[] ToFloat(double[] values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = (float)values[i];
        return result;
    }
}
