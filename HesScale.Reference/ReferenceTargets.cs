using HesScale.Gpu;

namespace HesScale.Reference;

/// <summary>Loss targets in double: N class indices (cross-entropy) or N x K row-major values (MSE).</summary>
public sealed record ReferenceTargets(int[]? Classes, double[]? Values)
{
    public static ReferenceTargets FromClasses(int[] classes) => new(classes ?? throw new ArgumentNullException(nameof(classes)), null);

    /// <summary>N x K row-major target values.</summary>
    public static ReferenceTargets FromValues(double[] values) => new(null, values ?? throw new ArgumentNullException(nameof(values)));

    /// <summary>Throws an <see cref="ArgumentException"/> naming the sample when the targets do not fit the loss and batch.</summary>
    internal void Validate(LossSpec loss, int batch, int outputs)
    {
        if (loss.Kind == LossKind.CrossEntropy)
        {
            if (Classes is null) throw new ArgumentException("Cross-entropy needs class-index targets (ReferenceTargets.FromClasses).", "targets");
            if (Classes.Length != batch) throw new ArgumentException($"Expected {batch} class targets (one per sample), got {Classes.Length}.", "targets");
            for (int n = 0; n < batch; n++)
            {
                if ((uint)Classes[n] >= (uint)outputs)
                    throw new ArgumentException($"Class target of sample {n} is {Classes[n]}, outside [0, {outputs}).", "targets");
            }
        }
        else
        {
            if (Values is null) throw new ArgumentException("MSE needs real-valued targets (ReferenceTargets.FromValues).", "targets");
            if (Values.Length != batch * outputs) throw new ArgumentException($"Expected {batch} x {outputs} = {batch * outputs} MSE targets, got {Values.Length}.", "targets");
            for (int i = 0; i < Values.Length; i++)
            {
                if (!double.IsFinite(Values[i]))
                    throw new ArgumentException($"MSE target of sample {i / outputs}, output {i % outputs} is {Values[i]} (not finite).", "targets");
            }
        }
    }
}
