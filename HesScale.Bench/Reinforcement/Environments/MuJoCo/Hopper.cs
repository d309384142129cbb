namespace HesScale.Bench.Reinforcement.Environments.MuJoCo;

/// <summary>
/// Hopper-v4 (hopper.xml, RK4 at 0.002 s, frame skip 4). qpos = rootx, rootz, rooty, thigh, leg, foot.
/// Observation (11) = qpos[1..5], clip(qvel, ±10). Reward = (x' − x)/dt + 1 − 1e-3·Σa² (the healthy
/// reward is paid on the terminating step too). Terminates unless qpos[2..5] and qvel all lie in
/// (−100, 100), rootz &gt; 0.7 and |rooty| &lt; 0.2 (strict; NaN fails). Reset noise U(±0.005) on qpos, then qvel.
/// </summary>
public sealed class Hopper : MuJoCoEnvironment
{
    private double _xBefore;

    public Hopper() : base("hopper", "hopper.xml", frameSkip: 4, observationSize: 11, maxEpisodeSteps: 1000)
    {
    }

    private protected override void DrawStart(Random random, Span<double> qpos, Span<double> qvel)
    {
        AddUniform(random, qpos, 0.005);
        AddUniform(random, qvel, 0.005);
    }

    private protected override void BeforeStep(ReadOnlySpan<double> action) => _xBefore = Simulation.Qpos[0];

    private protected override double AfterStep(ReadOnlySpan<double> action, out bool terminated)
    {
        var qpos = Simulation.Qpos;
        double forward = (qpos[0] - _xBefore) / Dt;
        terminated = !IsHealthy(qpos, Simulation.Qvel);
        return forward + 1.0 - 1e-3 * SquaredNorm(action);
    }

    /// <summary>Gymnasium's is_healthy with the default ranges.</summary>
    internal static bool IsHealthy(ReadOnlySpan<double> qpos, ReadOnlySpan<double> qvel)
    {
        for (int i = 2; i < qpos.Length; i++)
        {
            if (!(qpos[i] > -100 && qpos[i] < 100)) return false;
        }
        for (int i = 0; i < qvel.Length; i++)
        {
            if (!(qvel[i] > -100 && qvel[i] < 100)) return false;
        }
        return qpos[1] > 0.7 && qpos[1] < double.PositiveInfinity && qpos[2] > -0.2 && qpos[2] < 0.2;
    }

    private protected override void WriteObservation(Span<double> observation)
    {
        Simulation.Qpos[1..].CopyTo(observation);
        CopyClipped(Simulation.Qvel, observation[5..], 10);
    }
}
