namespace HesScale.Gpu.Model;

/// <summary>Loss targets for a batch: class indices (cross-entropy) or N x K values (MSE).</summary>
public sealed class Targets
{
    /// <summary>N class indices, or null.</summary>
    public int[]? Classes { get; }
    /// <summary>N x K row-major values, or null.</summary>
    public float[]? Values { get; }

    private Targets(int[]? classes, float[]? values)
    {
        Classes = classes;
        Values = values;
    }

    /// <summary>Class indices (N, in [0, K)) for cross-entropy.</summary>
    public static Targets FromClasses(int[] classes) => new(classes ?? throw new ArgumentNullException(nameof(classes)), null);
    /// <summary>Real targets (N x K row-major) for MSE.</summary>
    public static Targets FromValues(float[] values) => new(null, values ?? throw new ArgumentNullException(nameof(values)));

    /// <summary>
    /// Checks the targets against a loss, batch size and output width; throws an
    /// <see cref="ArgumentException"/> naming what is wrong.
    /// </summary>
    public void Validate(LossSpec loss, int batch, int outputs)
    {
        if (loss.Kind == LossKind.CrossEntropy)
        {
            if (Classes is null) throw new ArgumentException("Cross-entropy needs class-index targets (Targets.FromClasses).", "targets");
            if (Classes.Length != batch) throw new ArgumentException($"Expected {batch} class targets (one per sample), got {Classes.Length}.", "targets");
            for (int n = 0; n < batch; n++)
            {
                if ((uint)Classes[n] >= (uint)outputs)
                    throw new ArgumentOutOfRangeException("targets", Classes[n], $"Class target of sample {n} is {Classes[n]}, outside [0, {outputs}).");
            }
        }
        else
        {
            if (Values is null) throw new ArgumentException("MSE needs real-valued targets (Targets.FromValues).", "targets");
            if (Values.Length != batch * outputs) throw new ArgumentException($"Expected {batch} x {outputs} = {batch * outputs} MSE targets, got {Values.Length}.", "targets");
            for (int i = 0; i < Values.Length; i++)
            {
                if (!float.IsFinite(Values[i]))
                    throw new ArgumentException($"MSE target [{i / outputs}, {i % outputs}] is {Values[i]} (not finite).", "targets");
            }
        }
    }
}
