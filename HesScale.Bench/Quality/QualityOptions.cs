namespace HesScale.Bench.Quality;

/// <summary>Settings of one quality run.</summary>
public sealed record QualityOptions
{
    public int Seeds { get; init; } = 10;
    public int Samples { get; init; } = 30;
    public int TrainSteps { get; init; } = 2000;
    public int TrainBatch { get; init; } = 32;
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>"mlp" (features-64-64-64-classes) or "cnn" (<see cref="Training.Models.CnnSmall"/> on the data's image shape).</summary>
    public string Model { get; init; } = "mlp";
    /// <summary>"tanh" or "relu": the MLP's activation (the CNN's is ReLU).</summary>
    public string Activation { get; init; } = "tanh";
    /// <summary>A <see cref="Training.TrainData"/> spec: digits (embedded), fashion, mnist:DIR, ...</summary>
    public string Data { get; init; } = "digits";
    public string OutDir { get; init; } = Path.Combine("results", "quality");
}
