namespace HesScale.Bench.Reinforcement.Environments.MuJoCo;

/// <summary>
/// Swimmer-v4 (swimmer.xml, RK4 at 0.01 s, frame skip 4; viscous fluid, no contacts). qpos = slider x,
/// slider y, rotation, joint 1, joint 2. Observation (8) = qpos[2..4], qvel. Reward = (x' − x)/dt − 1e-4·Σa²;
/// never terminates. Reset noise U(±0.1) on qpos, then qvel.
/// </summary>
public sealed class Swimmer : MuJoCoEnvironment
{
    private double _xBefore;

    public Swimmer() : base("swimmer", "swimmer.xml", frameSkip: 4, observationSize: 8, maxEpisodeSteps: 1000)
    {
    }

    private protected override void DrawStart(Random random, Span<double> qpos, Span<double> qvel)
    {
        AddUniform(random, qpos, 0.1);
        AddUniform(random, qvel, 0.1);
    }

    private protected override void BeforeStep(ReadOnlySpan<double> action) => _xBefore = Simulation.Qpos[0];

    private protected override double AfterStep(ReadOnlySpan<double> action, out bool terminated)
    {
        terminated = false;
        return (Simulation.Qpos[0] - _xBefore) / Dt - 1e-4 * SquaredNorm(action);
    }

    private protected override void WriteObservation(Span<double> observation)
    {
        Simulation.Qpos[2..].CopyTo(observation);
        Simulation.Qvel.CopyTo(observation[3..]);
    }
}
