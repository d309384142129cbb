namespace HesScale.Bench.Reinforcement.Environments.MuJoCo;

/// <summary>
/// HalfCheetah-v4 (half_cheetah.xml, Euler at 0.01 s, frame skip 5). Observation (17) = qpos[1..8], qvel
/// (no clipping). Reward = (x' − x)/dt − 0.1·Σa² with x = qpos[0]; never terminates.
/// Reset: qpos += U(±0.1), then qvel = 0.1·N(0, 1).
/// </summary>
public sealed class HalfCheetah : MuJoCoEnvironment
{
    private double _xBefore;

    public HalfCheetah() : base("halfcheetah", "half_cheetah.xml", frameSkip: 5, observationSize: 17, maxEpisodeSteps: 1000)
    {
    }

    private protected override void DrawStart(Random random, Span<double> qpos, Span<double> qvel)
    {
        AddUniform(random, qpos, 0.1);
        AddNormal(random, qvel, 0.1);
    }

    private protected override void BeforeStep(ReadOnlySpan<double> action) => _xBefore = Simulation.Qpos[0];

    private protected override double AfterStep(ReadOnlySpan<double> action, out bool terminated)
    {
        terminated = false;
        return (Simulation.Qpos[0] - _xBefore) / Dt - 0.1 * SquaredNorm(action);
    }

    private protected override void WriteObservation(Span<double> observation)
    {
        Simulation.Qpos[1..].CopyTo(observation);
        Simulation.Qvel.CopyTo(observation[8..]);
    }
}
