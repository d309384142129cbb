namespace HesScale.Bench.Reinforcement.Agents;

/// <summary>
/// Running mean and variance per feature, merged batch by batch with Chan et al.'s parallel update;
/// used to normalise observations ((x - mean) / sqrt(var + eps), clipped to +-clip) and to scale rewards.
/// </summary>
public sealed class RunningMeanStd
{
    private readonly double[] _mean, _var;
    private double _count;

    public RunningMeanStd(int size)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "The feature count must be positive.");
        _mean = new double[size];
        _var = new double[size];
        Array.Fill(_var, 1.0);
        _count = 1e-4; // as in common implementations: the first batch dominates
        Size = size;
    }

    public int Size { get; }
    public ReadOnlySpan<double> Mean => _mean;
    public ReadOnlySpan<double> Variance => _var;

    /// <summary>Merges a batch of rows (rows x Size).</summary>
    public void Update(ReadOnlySpan<float> batch, int rows)
    {
        if (batch.Length != rows * Size) throw new ArgumentException($"Expected {rows} x {Size} values, got {batch.Length}.", nameof(batch));
        if (rows == 0) return;
        for (int f = 0; f < Size; f++)
        {
            double mean = 0;
            for (int r = 0; r < rows; r++) mean += batch[r * Size + f];
            mean /= rows;
            double m2 = 0;
            for (int r = 0; r < rows; r++)
            {
                double d = batch[r * Size + f] - mean;
                m2 += d * d;
            }
            double var = m2 / rows, delta = mean - _mean[f], total = _count + rows;
            _mean[f] += delta * rows / total;
            _var[f] = (_var[f] * _count + var * rows + delta * delta * _count * rows / total) / total;
        }
        _count += rows;
    }

    /// <summary>Writes (x - mean) / sqrt(var + 1e-8), clipped to +-<paramref name="clip"/>.</summary>
    public void Normalize(ReadOnlySpan<float> batch, Span<float> result, float clip = 10f)
    {
        for (int i = 0; i < batch.Length; i++)
        {
            int f = i % Size;
            double z = (batch[i] - _mean[f]) / Math.Sqrt(_var[f] + 1e-8);
            result[i] = (float)Math.Clamp(z, -clip, clip);
        }
    }
}
