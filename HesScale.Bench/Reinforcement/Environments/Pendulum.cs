namespace HesScale.Bench.Reinforcement.Environments;

/// <summary>
/// Pendulum-v1: torque clipped to +-2, cost normalise(theta)^2 + 0.1 thdot^2 + 0.001 u^2 (reward = -cost,
/// computed from the state before the step), thdot += (3 g / (2 l) sin(theta) + 3 / (m l^2) u) dt then clipped to +-8,
/// theta += thdot dt (not wrapped in the state); never terminates, truncation at 200 steps;
/// start theta uniform in +-pi, thdot uniform in +-1. Observation (cos theta, sin theta, thdot).
/// </summary>
public sealed class Pendulum : IEnvironment
{
    public const double MaxSpeed = 8.0, MaxTorque = 2.0, Dt = 0.05, G = 10.0, M = 1.0, L = 1.0;
    private static readonly float[] High = [1f, 1f, (float)MaxSpeed];
    private static readonly float[] Low = High.Select(h => -h).ToArray();
    private static readonly float[] ActHigh = [(float)MaxTorque];
    private static readonly float[] ActLow = [-(float)MaxTorque];
    private double _theta, _thetaDot;

    public string Id => "pendulum";
    public int ObservationSize => 3;
    public int DiscreteActions => 0;
    public int ActionSize => 1;
    public ReadOnlySpan<float> ActionLow => ActLow;
    public ReadOnlySpan<float> ActionHigh => ActHigh;
    public ReadOnlySpan<float> ObservationLow => Low;
    public ReadOnlySpan<float> ObservationHigh => High;
    public int MaxEpisodeSteps => 200;

    public double Theta => _theta;
    public double ThetaDot => _thetaDot;

    public void SetState(double theta, double thetaDot)
    {
        _theta = theta;
        _thetaDot = thetaDot;
    }

    public void Reset(Random random, Span<float> observation)
    {
        ArgumentNullException.ThrowIfNull(random);
        _theta = (random.NextDouble() * 2 - 1) * Math.PI;
        _thetaDot = random.NextDouble() * 2 - 1;
        Observe(observation);
    }

    /// <summary>Maps an angle into [-pi, pi) like Python's ((x + pi) % (2 pi)) - pi (floored modulo).</summary>
    public static double NormalizeAngle(double x)
    {
        double period = 2 * Math.PI, shifted = x + Math.PI;
        return shifted - period * Math.Floor(shifted / period) - Math.PI;
    }

    public double Step(ReadOnlySpan<float> action, Span<float> observation, out bool terminated)
    {
        Actions.CheckObservation(observation, 3, Id); // before the state changes
        double u = Math.Clamp((double)Actions.Continuous(action, 0, 1, Id), -MaxTorque, MaxTorque);
        double th = NormalizeAngle(_theta);
        double cost = th * th + 0.1 * _thetaDot * _thetaDot + 0.001 * u * u;
        double newThetaDot = _thetaDot + (3 * G / (2 * L) * Math.Sin(_theta) + 3.0 / (M * L * L) * u) * Dt;
        newThetaDot = Math.Clamp(newThetaDot, -MaxSpeed, MaxSpeed);
        _theta += newThetaDot * Dt;
        _thetaDot = newThetaDot;
        terminated = false;
        Observe(observation);
        return -cost;
    }

    private void Observe(Span<float> observation)
    {
        Actions.CheckObservation(observation, 3, Id);
        observation[0] = (float)Math.Cos(_theta);
        observation[1] = (float)Math.Sin(_theta);
        observation[2] = (float)_thetaDot;
    }
}
