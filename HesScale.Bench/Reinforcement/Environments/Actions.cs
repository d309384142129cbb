namespace HesScale.Bench.Reinforcement.Environments;

/// <summary>Argument checks shared by the environments.</summary>
internal static class Actions
{
    public static int Discrete(ReadOnlySpan<float> action, int count, string env)
    {
        if (action.Length != 1)
            throw new ArgumentException($"{env}: a discrete action is one value (the index), got {action.Length}.", nameof(action));
        float a = action[0];
        if (!(a >= 0 && a < count) || a != MathF.Floor(a))
            throw new ArgumentOutOfRangeException(nameof(action), a, $"{env}: the action must be an integer in [0, {count - 1}].");
        return (int)a;
    }

    public static float Continuous(ReadOnlySpan<float> action, int index, int size, string env)
    {
        if (action.Length != size)
            throw new ArgumentException($"{env}: expected an action of {size} values, got {action.Length}.", nameof(action));
        float a = action[index];
        if (float.IsNaN(a)) throw new ArgumentOutOfRangeException(nameof(action), a, $"{env}: action[{index}] is NaN.");
        return a;
    }

    public static void CheckObservation(Span<float> observation, int size, string env)
    {
        if (observation.Length != size)
            throw new ArgumentException($"{env}: the observation buffer must hold {size} values, got {observation.Length}.", nameof(observation));
    }
}
