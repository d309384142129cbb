namespace HesScale.Bench.Reinforcement.Environments.MuJoCo;

/// <summary>
/// Walker2d-v4 (walker2d.xml, RK4 at 0.002 s, frame skip 4). qpos = rootx, rootz, rooty, then right and
/// left thigh, leg, foot. Observation (17) = qpos[1..8], clip(qvel, ±10). Reward = (x' − x)/dt + 1 − 1e-3·Σa².
/// Terminates unless 0.8 &lt; rootz &lt; 2 and −1 &lt; rooty &lt; 1 (strict). Reset noise U(±0.005) on qpos, then qvel.
/// </summary>
public sealed class Walker2d : MuJoCoEnvironment
{
    private double _xBefore;

    public Walker2d() : base("walker2d", "walker2d.xml", frameSkip: 4, observationSize: 17, maxEpisodeSteps: 1000)
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
        terminated = !IsHealthy(qpos);
        return forward + 1.0 - 1e-3 * SquaredNorm(action);
    }

    internal static bool IsHealthy(ReadOnlySpan<double> qpos) =>
        qpos[1] > 0.8 && qpos[1] < 2.0 && qpos[2] > -1.0 && qpos[2] < 1.0;

    private protected override void WriteObservation(Span<double> observation)
    {
        Simulation.Qpos[1..].CopyTo(observation);
        CopyClipped(Simulation.Qvel, observation[8..], 10);
    }
}
