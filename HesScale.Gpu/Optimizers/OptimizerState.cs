namespace HesScale.Gpu.Optimizers;

/// <summary>
/// A host copy of an optimizer's state: the step counter, the last scale, the sampling RNG state
/// and named per-tensor slots (e.g. <c>exp_avg</c>, <c>exp_avg_sq</c>), each slot one array per
/// parameter tensor in <see cref="NetworkSpec.Parameters"/> order.
/// </summary>
public sealed class OptimizerState
{
    /// <summary>State of <paramref name="optimizer"/> after <paramref name="steps"/> steps: last scale, sampling RNG state and <paramref name="slots"/> (one array per parameter tensor per slot).</summary>
    public OptimizerState(string optimizer, long steps, float lastScale, ulong rngState, IReadOnlyDictionary<string, float[][]> slots)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(slots);
        if (steps < 0) throw new ArgumentOutOfRangeException(nameof(steps), steps, "Step count must be >= 0.");
        Optimizer = optimizer;
        Steps = steps;
        LastScale = lastScale;
        RngState = rngState;
        Slots = slots;
    }

    /// <summary>Identifier of the optimizer that produced the state (see <see cref="Optimizers.Optimizer.Names"/>).</summary>
    public string Optimizer { get; }
    /// <summary>Steps taken (t in the bias corrections).</summary>
    public long Steps { get; }
    /// <summary>Scale alpha of the last step (1 for unscaled optimizers).</summary>
    public float LastScale { get; }
    /// <summary>State of the sampling random stream (AdaHessian, AdaGGNMC), 0 otherwise.</summary>
    public ulong RngState { get; }
    /// <summary>Slot name to one array per parameter tensor.</summary>
    public IReadOnlyDictionary<string, float[][]> Slots { get; }

    /// <summary>Slot <paramref name="slot"/> of parameter tensor <paramref name="parameter"/>.</summary>
    public float[] Get(string slot, int parameter) => Slots.TryGetValue(slot, out var arrays)
        ? arrays[parameter]
        : throw new KeyNotFoundException($"Optimizer '{Optimizer}' has no state slot '{slot}' (slots: {string.Join(", ", Slots.Keys)}).");
}
