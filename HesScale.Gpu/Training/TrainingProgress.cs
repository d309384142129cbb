namespace HesScale.Gpu.Training;

/// <summary>
/// Where a training loop (<see cref="IResumable"/>) stands inside the run, enough to continue it exactly: completed
/// epochs, batches done in the current epoch, the shuffle stream's state at the start of the
/// current epoch (the permutation is drawn again from it), and the running sums of the current epoch.
/// </summary>
public sealed record TrainingProgress(int Epoch, int BatchInEpoch, ulong EpochShuffleState, double EpochLossSum, int EpochSamples, double EpochSeconds);
