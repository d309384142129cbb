namespace HesScale.Gpu.Training;

/// <summary>
/// Where a training loop (<see cref="IResumable"/>) stands inside the run, enough to continue it exactly: completed
/// epochs, batches done in the current epoch, the shuffle stream's state at the start of the
/// current epoch (the permutation is drawn again from it), and the running sums of the current epoch.
/// </summary>
/// <param name="Epoch">Completed epochs.</param>
/// <param name="BatchInEpoch">Mini-batches done in the current epoch.</param>
/// <param name="EpochShuffleState">SplitMix64 state the current epoch's permutation is drawn from.</param>
/// <param name="EpochLossSum">Sum of the per-sample training losses so far in the current epoch.</param>
/// <param name="EpochSamples">Samples trained on so far in the current epoch.</param>
/// <param name="EpochSeconds">Training seconds so far in the current epoch.</param>
public sealed record TrainingProgress(int Epoch, int BatchInEpoch, ulong EpochShuffleState, double EpochLossSum, int EpochSamples, double EpochSeconds);
