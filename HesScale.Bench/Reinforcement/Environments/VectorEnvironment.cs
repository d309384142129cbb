namespace HesScale.Bench.Reinforcement.Environments;

/// <summary>A finished episode: its undiscounted return and length, and the total environment steps when it ended.</summary>
public readonly record struct EpisodeRecord(double Return, int Length, long EnvironmentSteps);

/// <summary>
/// Many copies of one environment stepped together with Gymnasium's TimeLimit truncation and
/// automatic reset: when copy i terminates or is truncated, <see cref="Step"/> returns the final
/// observation in <c>finalObservations</c> (for bootstrapping truncated episodes) and the first
/// observation of the next episode in <c>observations</c>. Copy i draws from its own Random seeded
/// with seed + i, so runs are reproducible. Disposing it disposes copies that hold native memory (MuJoCo).
/// </summary>
public sealed class VectorEnvironment : IDisposable
{
    private readonly IEnvironment[] _envs;
    private readonly Random[] _random;
    private readonly int[] _lengths;
    private readonly double[] _returns;
    private readonly List<EpisodeRecord> _episodes = [];

    public VectorEnvironment(string id, int count, int seed, int? maxEpisodeSteps = null)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The number of environment copies must be positive.");
        _envs = new IEnvironment[count];
        _random = new Random[count];
        for (int i = 0; i < count; i++)
        {
            _envs[i] = EnvironmentRegistry.Create(id);
            _random[i] = new Random(unchecked(seed * 7919 + i));
        }
        var first = _envs[0];
        MaxEpisodeSteps = maxEpisodeSteps ?? first.MaxEpisodeSteps;
        if (MaxEpisodeSteps <= 0) throw new ArgumentOutOfRangeException(nameof(maxEpisodeSteps), MaxEpisodeSteps, "The time limit must be positive.");
        _lengths = new int[count];
        _returns = new double[count];
        Count = count;
    }

    public int Count { get; }
    public IEnvironment Prototype => _envs[0];
    public int ObservationSize => _envs[0].ObservationSize;
    /// <summary>Values per action: 1 for discrete spaces (the index), the action dimension otherwise.</summary>
    public int ActionWidth => _envs[0].DiscreteActions > 0 ? 1 : _envs[0].ActionSize;
    public int MaxEpisodeSteps { get; }
    public long TotalSteps { get; private set; }
    /// <summary>Every finished episode so far, in order of completion.</summary>
    public IReadOnlyList<EpisodeRecord> Episodes => _episodes;

    /// <summary>Resets every copy; <paramref name="observations"/> is Count x ObservationSize.</summary>
    public void Reset(Span<float> observations)
    {
        CheckLength(observations, Count * ObservationSize, nameof(observations));
        int o = ObservationSize;
        for (int i = 0; i < Count; i++)
        {
            _envs[i].Reset(_random[i], observations.Slice(i * o, o));
            _lengths[i] = 0;
            _returns[i] = 0;
        }
    }

    /// <summary>
    /// Steps every copy with its action (Count x ActionWidth). Writes rewards, terminated and truncated
    /// flags (Count each; both can be true on the last allowed step, as with Gymnasium's TimeLimit), the next observations (auto-reset where an episode ended) and, for ended
    /// episodes, their final observation into <paramref name="finalObservations"/> (unchanged elsewhere).
    /// </summary>
    public void Step(ReadOnlySpan<float> actions, Span<float> observations, Span<float> rewards,
        Span<bool> terminated, Span<bool> truncated, Span<float> finalObservations)
    {
        int o = ObservationSize, w = ActionWidth;
        CheckLength(actions, Count * w, nameof(actions));
        CheckLength(observations, Count * o, nameof(observations));
        CheckLength(finalObservations, Count * o, nameof(finalObservations));
        CheckLength(rewards, Count, nameof(rewards));
        if (terminated.Length != Count || truncated.Length != Count)
            throw new ArgumentException($"terminated and truncated must hold {Count} flags.", nameof(terminated));
        for (int i = 0; i < Count; i++)
        {
            var obs = observations.Slice(i * o, o);
            double r = _envs[i].Step(actions.Slice(i * w, w), obs, out bool term);
            TotalSteps++;
            _lengths[i]++;
            _returns[i] += r;
            bool trunc = _lengths[i] >= MaxEpisodeSteps; // TimeLimit: can be true together with terminated
            rewards[i] = (float)r;
            terminated[i] = term;
            truncated[i] = trunc;
            if (term || trunc)
            {
                obs.CopyTo(finalObservations.Slice(i * o, o));
                _episodes.Add(new EpisodeRecord(_returns[i], _lengths[i], TotalSteps));
                _envs[i].Reset(_random[i], obs);
                _lengths[i] = 0;
                _returns[i] = 0;
            }
        }
    }

    /// <summary>Releases the copies' native memory (MuJoCo models and data); classic tasks hold none.</summary>
    public void Dispose()
    {
        foreach (var env in _envs) (env as IDisposable)?.Dispose();
    }

    private static void CheckLength<T>(ReadOnlySpan<T> span, int expected, string name)
    {
        if (span.Length != expected)
            throw new ArgumentException($"{name} must hold {expected} values, got {span.Length}.", name);
    }
}
