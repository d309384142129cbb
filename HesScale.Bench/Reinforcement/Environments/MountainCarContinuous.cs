namespace HesScale.Bench.Reinforcement.Environments;

/// <summary>
/// MountainCarContinuous-v0: force = action clipped to [-1, 1], velocity += 0.0015 force - 0.0025 cos(3 x)
/// clipped to +-0.07, position += velocity clipped to [-1.2, 0.6] (velocity zeroed at the left wall when
/// negative); termination at x >= 0.45 with velocity >= 0; reward 100 on termination minus 0.1 action^2
/// (the unclipped action, as in Gymnasium); truncation at 999 steps; start x uniform in [-0.6, -0.4], v = 0.
/// </summary>
public sealed class MountainCarContinuous : IEnvironment
{
    public const double MinAction = -1.0, MaxAction = 1.0, MinPosition = -1.2, MaxPosition = 0.6, MaxSpeed = 0.07;
    public const double GoalPosition = 0.45, GoalVelocity = 0.0, Power = 0.0015;
    private static readonly float[] High = [(float)MaxPosition, (float)MaxSpeed];
    private static readonly float[] Low = [(float)MinPosition, -(float)MaxSpeed];
    private static readonly float[] ActHigh = [1f];
    private static readonly float[] ActLow = [-1f];
    private double _position, _velocity;

    public string Id => "mountaincar_continuous";
    public int ObservationSize => 2;
    public int DiscreteActions => 0;
    public int ActionSize => 1;
    public ReadOnlySpan<float> ActionLow => ActLow;
    public ReadOnlySpan<float> ActionHigh => ActHigh;
    public ReadOnlySpan<float> ObservationLow => Low;
    public ReadOnlySpan<float> ObservationHigh => High;
    public int MaxEpisodeSteps => 999;

    public double Position => _position;
    public double Velocity => _velocity;

    public void SetState(double position, double velocity)
    {
        _position = position;
        _velocity = velocity;
    }

    public void Reset(Random random, Span<float> observation)
    {
        ArgumentNullException.ThrowIfNull(random);
        _position = random.NextDouble() * 0.2 - 0.6;
        _velocity = 0;
        Observe(observation);
    }

    public double Step(ReadOnlySpan<float> action, Span<float> observation, out bool terminated)
    {
        Actions.CheckObservation(observation, 2, Id); // before the state changes
        double raw = Actions.Continuous(action, 0, 1, Id);
        double force = Math.Min(Math.Max(raw, MinAction), MaxAction);
        double velocity = _velocity + force * Power - 0.0025 * Math.Cos(3 * _position);
        velocity = Math.Clamp(velocity, -MaxSpeed, MaxSpeed);
        double position = Math.Clamp(_position + velocity, MinPosition, MaxPosition);
        if (position == MinPosition && velocity < 0) velocity = 0;
        _position = position;
        _velocity = velocity;
        terminated = position >= GoalPosition && velocity >= GoalVelocity;
        double reward = (terminated ? 100.0 : 0.0) - raw * raw * 0.1;
        Observe(observation);
        return reward;
    }

    private void Observe(Span<float> observation)
    {
        Actions.CheckObservation(observation, 2, Id);
        observation[0] = (float)_position;
        observation[1] = (float)_velocity;
    }
}
