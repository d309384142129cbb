namespace HesScale.Gpu.Data;

/// <summary>A labelled classification data set held on the host: features N x D row-major, labels in [0, Classes).</summary>
public sealed class Dataset
{
    /// <summary>A data set of <paramref name="labels"/>.Length samples; throws when the features are not labels x <paramref name="featureCount"/> or a label lies outside [0, <paramref name="classes"/>).</summary>
    public Dataset(float[] features, int[] labels, int featureCount, int classes, string name)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (featureCount <= 0) throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "Feature count must be positive.");
        if (features.Length != labels.Length * featureCount)
            throw new ArgumentException($"{name}: {labels.Length} labels need {labels.Length} x {featureCount} features, got {features.Length}.", nameof(features));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"{name}: label of sample {i} is {labels[i]}, outside [0, {classes}).");
        }
        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
        Classes = classes;
        Name = name;
    }

    /// <summary>Features, N x <see cref="FeatureCount"/> row-major.</summary>
    public float[] Features { get; }
    /// <summary>Class label of each sample (N), in [0, <see cref="Classes"/>).</summary>
    public int[] Labels { get; }
    /// <summary>Features per sample (D).</summary>
    public int FeatureCount { get; }
    /// <summary>Number of classes.</summary>
    public int Classes { get; }
    /// <summary>Name used in messages (e.g. digits, mnist).</summary>
    public string Name { get; }
    /// <summary>Number of samples N.</summary>
    public int Count => Labels.Length;

    /// <summary>The features of sample <paramref name="index"/> (D values, no copy).</summary>
    public ReadOnlySpan<float> Sample(int index) => Features.AsSpan(index * FeatureCount, FeatureCount);

    /// <summary>The samples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Subset(IReadOnlyList<int> indices, string? name = null)
    {
        var features = new float[indices.Count * FeatureCount];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Sample(indices[i]).CopyTo(features.AsSpan(i * FeatureCount));
            labels[i] = Labels[indices[i]];
        }
        return new Dataset(features, labels, FeatureCount, Classes, name ?? Name);
    }

    /// <summary>
    /// A fixed, seeded split: the first <paramref name="testFraction"/> of a seeded permutation is
    /// the test set. Same seed, same split on every machine (System.Random with a seed is stable).
    /// </summary>
    public (Dataset Train, Dataset Test) Split(double testFraction = 0.2, int seed = 0)
    {
        if (testFraction <= 0 || testFraction >= 1) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Test fraction must be in (0, 1).");
        var order = Enumerable.Range(0, Count).ToArray();
        new Random(seed).Shuffle(order);
        int test = Math.Max(1, (int)Math.Round(Count * testFraction));
        return (Subset(order[test..], Name + "/train"), Subset(order[..test], Name + "/test"));
    }

    /// <summary>Per-feature mean and standard deviation (a constant feature gets deviation 1).</summary>
    public (float[] Mean, float[] Std) FeatureStatistics()
    {
        var mean = new double[FeatureCount];
        var sq = new double[FeatureCount];
        for (int n = 0; n < Count; n++)
        {
            for (int j = 0; j < FeatureCount; j++)
            {
                double v = Features[n * FeatureCount + j];
                mean[j] += v;
                sq[j] += v * v;
            }
        }
        var m = new float[FeatureCount];
        var s = new float[FeatureCount];
        for (int j = 0; j < FeatureCount; j++)
        {
            double mu = mean[j] / Count;
            double var = Math.Max(0, sq[j] / Count - mu * mu);
            m[j] = (float)mu;
            s[j] = var > 1e-12 ? (float)Math.Sqrt(var) : 1f;
        }
        return (m, s);
    }

    /// <summary>(x - mean) / std per feature, with statistics usually taken from the training set.</summary>
    public Dataset Standardize(float[] mean, float[] std)
    {
        var features = new float[Features.Length];
        for (int n = 0; n < Count; n++)
            for (int j = 0; j < FeatureCount; j++)
                features[n * FeatureCount + j] = (Features[n * FeatureCount + j] - mean[j]) / std[j];
        return new Dataset(features, Labels, FeatureCount, Classes, Name);
    }
}
