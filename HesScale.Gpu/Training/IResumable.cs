namespace HesScale.Gpu.Training;

/// <summary>
/// A training loop whose position a <see cref="Checkpoints.Checkpoint"/> saves and restores
/// (the hesscale command line's trainer implements it).
/// </summary>
public interface IResumable
{
    /// <summary>The loop's position now.</summary>
    TrainingProgress Progress { get; }

    /// <summary>Throws <see cref="ArgumentException"/> (parameter <c>progress</c>) when <paramref name="progress"/> cannot be restored into this loop; changes nothing.</summary>
    void CheckFits(TrainingProgress progress);

    /// <summary>Continues the loop from <paramref name="progress"/> (checked as <see cref="CheckFits"/> does first).</summary>
    void Restore(TrainingProgress progress);
}
