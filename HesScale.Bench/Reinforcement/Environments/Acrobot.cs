namespace HesScale.Bench.Reinforcement.Environments;

/// <summary>
/// Acrobot-v1 (Sutton and Barto's book dynamics): two unit links, torque in {-1, 0, +1} on the
/// joint between them, one RK4 step of dt = 0.2 per action, joint angles wrapped into [-pi, pi],
/// velocities clipped to +-4 pi and +-9 pi; reward -1 per step and 0 on the terminating step,
/// termination when -cos(t1) - cos(t1 + t2) > 1, truncation at 500 steps; start state uniform in +-0.1.
/// Observation (cos t1, sin t1, cos t2, sin t2, dt1, dt2).
/// </summary>
public sealed class Acrobot : IEnvironment
{
    public const double Dt = 0.2, L1 = 1.0, M1 = 1.0, M2 = 1.0, Lc1 = 0.5, Lc2 = 0.5, Moi = 1.0, G = 9.8;
    public const double MaxVel1 = 4 * Math.PI, MaxVel2 = 9 * Math.PI;
    private static readonly double[] Torques = [-1.0, 0.0, 1.0];
    private static readonly float[] High = [1f, 1f, 1f, 1f, (float)MaxVel1, (float)MaxVel2];
    private static readonly float[] Low = High.Select(h => -h).ToArray();
    private readonly double[] _state = new double[4];

    public string Id => "acrobot";
    public int ObservationSize => 6;
    public int DiscreteActions => 3;
    public int ActionSize => 0;
    public ReadOnlySpan<float> ActionLow => [];
    public ReadOnlySpan<float> ActionHigh => [];
    public ReadOnlySpan<float> ObservationLow => Low;
    public ReadOnlySpan<float> ObservationHigh => High;
    public int MaxEpisodeSteps => 500;

    /// <summary>(theta1, theta2, dtheta1, dtheta2).</summary>
    public ReadOnlySpan<double> State => _state;

    public void SetState(double theta1, double theta2, double dtheta1, double dtheta2)
    {
        _state[0] = theta1; _state[1] = theta2; _state[2] = dtheta1; _state[3] = dtheta2;
    }

    public void Reset(Random random, Span<float> observation)
    {
        ArgumentNullException.ThrowIfNull(random);
        for (int i = 0; i < 4; i++) _state[i] = random.NextDouble() * 0.2 - 0.1;
        Observe(observation);
    }

    public double Step(ReadOnlySpan<float> action, Span<float> observation, out bool terminated)
    {
        Actions.CheckObservation(observation, 6, Id); // before the state changes
        double torque = Torques[Actions.Discrete(action, 3, Id)];
        Span<double> next = stackalloc double[4];
        Rk4(_state, torque, Dt, next);
        _state[0] = Wrap(next[0], -Math.PI, Math.PI);
        _state[1] = Wrap(next[1], -Math.PI, Math.PI);
        _state[2] = Math.Clamp(next[2], -MaxVel1, MaxVel1);
        _state[3] = Math.Clamp(next[3], -MaxVel2, MaxVel2);
        terminated = -Math.Cos(_state[0]) - Math.Cos(_state[1] + _state[0]) > 1.0;
        Observe(observation);
        return terminated ? 0.0 : -1.0;
    }

    /// <summary>Adds or subtracts the range width until x lies in [lo, hi] (Gymnasium's wrap).</summary>
    public static double Wrap(double x, double lo, double hi)
    {
        double diff = hi - lo;
        while (x > hi) x -= diff;
        while (x < lo) x += diff;
        return x;
    }

    /// <summary>Time derivative of (t1, t2, dt1, dt2) under torque <paramref name="a"/> (book equations).</summary>
    public static void Derivatives(ReadOnlySpan<double> s, double a, Span<double> ds)
    {
        double t1 = s[0], t2 = s[1], dt1 = s[2], dt2 = s[3];
        double d1 = M1 * Lc1 * Lc1 + M2 * (L1 * L1 + Lc2 * Lc2 + 2 * L1 * Lc2 * Math.Cos(t2)) + Moi + Moi;
        double d2 = M2 * (Lc2 * Lc2 + L1 * Lc2 * Math.Cos(t2)) + Moi;
        double phi2 = M2 * Lc2 * G * Math.Cos(t1 + t2 - Math.PI / 2.0);
        double phi1 = -M2 * L1 * Lc2 * dt2 * dt2 * Math.Sin(t2)
                      - 2 * M2 * L1 * Lc2 * dt2 * dt1 * Math.Sin(t2)
                      + (M1 * Lc1 + M2 * L1) * G * Math.Cos(t1 - Math.PI / 2) + phi2;
        double ddt2 = (a + d2 / d1 * phi1 - M2 * L1 * Lc2 * dt1 * dt1 * Math.Sin(t2) - phi2) / (M2 * Lc2 * Lc2 + Moi - d2 * d2 / d1);
        double ddt1 = -(d2 * ddt2 + phi1) / d1;
        ds[0] = dt1; ds[1] = dt2; ds[2] = ddt1; ds[3] = ddt2;
    }

    /// <summary>One classical Runge-Kutta step of length <paramref name="dt"/> with the torque held constant.</summary>
    public static void Rk4(ReadOnlySpan<double> y, double torque, double dt, Span<double> result)
    {
        Span<double> k1 = stackalloc double[4], k2 = stackalloc double[4], k3 = stackalloc double[4], k4 = stackalloc double[4], tmp = stackalloc double[4];
        Derivatives(y, torque, k1);
        for (int i = 0; i < 4; i++) tmp[i] = y[i] + dt / 2 * k1[i];
        Derivatives(tmp, torque, k2);
        for (int i = 0; i < 4; i++) tmp[i] = y[i] + dt / 2 * k2[i];
        Derivatives(tmp, torque, k3);
        for (int i = 0; i < 4; i++) tmp[i] = y[i] + dt * k3[i];
        Derivatives(tmp, torque, k4);
        for (int i = 0; i < 4; i++) result[i] = y[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }

    private void Observe(Span<float> observation)
    {
        Actions.CheckObservation(observation, 6, Id);
        observation[0] = (float)Math.Cos(_state[0]);
        observation[1] = (float)Math.Sin(_state[0]);
        observation[2] = (float)Math.Cos(_state[1]);
        observation[3] = (float)Math.Sin(_state[1]);
        observation[4] = (float)_state[2];
        observation[5] = (float)_state[3];
    }
}
