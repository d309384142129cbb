namespace HesScale.Bench.Reinforcement.Environments;

/// <summary>
/// CartPole-v1: Barto, Sutton and Anderson's cart-pole with Euler integration (tau = 0.02),
/// force +-10 N, reward 1 per step (the terminating step included), termination when |x| > 2.4
/// or |theta| > 12 degrees, truncation at 500 steps, start state uniform in +-0.05.
/// </summary>
public sealed class CartPole : IEnvironment
{
    public const double Gravity = 9.8, MassCart = 1.0, MassPole = 0.1, TotalMass = MassCart + MassPole;
    /// <summary>Half the pole's length.</summary>
    public const double Length = 0.5;
    public const double PoleMassLength = MassPole * Length, ForceMag = 10.0, Tau = 0.02;
    public const double ThetaThreshold = 12 * 2 * Math.PI / 360, XThreshold = 2.4;

    private static readonly float[] High = [(float)(XThreshold * 2), float.MaxValue, (float)(ThetaThreshold * 2), float.MaxValue];
    private static readonly float[] Low = High.Select(h => -h).ToArray();
    private readonly double[] _state = new double[4];

    public string Id => "cartpole";
    public int ObservationSize => 4;
    public int DiscreteActions => 2;
    public int ActionSize => 0;
    public ReadOnlySpan<float> ActionLow => [];
    public ReadOnlySpan<float> ActionHigh => [];
    public ReadOnlySpan<float> ObservationLow => Low;
    public ReadOnlySpan<float> ObservationHigh => High;
    public int MaxEpisodeSteps => 500;

    /// <summary>(x, x_dot, theta, theta_dot).</summary>
    public ReadOnlySpan<double> State => _state;

    /// <summary>Sets the state directly (tests, hand-computed dynamics).</summary>
    public void SetState(double x, double xDot, double theta, double thetaDot)
    {
        _state[0] = x; _state[1] = xDot; _state[2] = theta; _state[3] = thetaDot;
    }

    public void Reset(Random random, Span<float> observation)
    {
        ArgumentNullException.ThrowIfNull(random);
        for (int i = 0; i < 4; i++) _state[i] = random.NextDouble() * 0.1 - 0.05;
        Observe(observation);
    }

    public double Step(ReadOnlySpan<float> action, Span<float> observation, out bool terminated)
    {
        Actions.CheckObservation(observation, 4, Id); // before the state changes
        int a = Actions.Discrete(action, 2, Id);
        double x = _state[0], xDot = _state[1], theta = _state[2], thetaDot = _state[3];
        double force = a == 1 ? ForceMag : -ForceMag;
        double cos = Math.Cos(theta), sin = Math.Sin(theta);
        double temp = (force + PoleMassLength * thetaDot * thetaDot * sin) / TotalMass;
        double thetaAcc = (Gravity * sin - cos * temp) / (Length * (4.0 / 3.0 - MassPole * cos * cos / TotalMass));
        double xAcc = temp - PoleMassLength * thetaAcc * cos / TotalMass;
        // Explicit Euler: positions advance with the old velocities.
        _state[0] = x + Tau * xDot;
        _state[1] = xDot + Tau * xAcc;
        _state[2] = theta + Tau * thetaDot;
        _state[3] = thetaDot + Tau * thetaAcc;
        terminated = _state[0] < -XThreshold || _state[0] > XThreshold || _state[2] < -ThetaThreshold || _state[2] > ThetaThreshold;
        Observe(observation);
        return 1.0;
    }

    private void Observe(Span<float> observation)
    {
        Actions.CheckObservation(observation, 4, Id);
        for (int i = 0; i < 4; i++) observation[i] = (float)_state[i];
    }
}
