namespace HesScale.Gpu.Reinforcement.Losses;

/// <summary>
/// The critic's loss on values v (N x 1) against returns R (N): L = (1/N) sum_n (v_n - R_n)^2,
/// dL/dv = 2 (v - R) / N, d2L/dv2 = 2 / N.
/// </summary>
public sealed class MseLoss : IOutputLoss
{
    private const string Name = "MseLoss";
    private readonly float[] _targets;

    /// <summary>The loss against <paramref name="targets"/> (the returns, N; finite).</summary>
    public MseLoss(float[] targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        LossChecks.Finite(targets, nameof(targets), Name);
        _targets = targets;
    }

    /// <inheritdoc/>
    public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
    {
        LossChecks.Shape(batch, width, 1, _targets.Length, Name, outputs, gradient, hessianDiagonal);
        LossChecks.Count(batch, _targets.Length, nameof(batch), Name);
        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            double e = outputs[n] - (double)_targets[n];
            loss += e * e / batch;
            gradient[n] = (float)(2 * e / batch);
            hessianDiagonal[n] = (float)(2.0 / batch);
        }
        return loss;
    }
}
