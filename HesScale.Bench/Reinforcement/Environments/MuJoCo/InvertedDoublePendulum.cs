namespace HesScale.Bench.Reinforcement.Environments.MuJoCo;

/// <summary>
/// InvertedDoublePendulum-v4 (inverted_double_pendulum.xml, RK4 at 0.01 s, frame skip 5, not the XML's 2).
/// Observation (11) = x, sin θ1, sin θ2, cos θ1, cos θ2, clip(qvel, ±10), clip(qfrc_constraint, ±10).
/// With (x, ·, z) the tip site after the step: reward = 10 − 0.01·x² − (z − 2)² − 1e-3·ω1² − 5e-3·ω2²
/// (no control cost); terminates when z ≤ 1. Reset: qpos += U(±0.1), then qvel = 0.1·N(0, 1).
/// </summary>
public sealed class InvertedDoublePendulum : MuJoCoEnvironment
{
    private readonly int _tip;

    public InvertedDoublePendulum() : base("inverted_double_pendulum", "inverted_double_pendulum.xml", frameSkip: 5, observationSize: 11, maxEpisodeSteps: 1000)
    {
        _tip = Simulation.SiteId("tip");
    }

    private protected override void DrawStart(Random random, Span<double> qpos, Span<double> qvel)
    {
        AddUniform(random, qpos, 0.1);
        AddNormal(random, qvel, 0.1);
    }

    private protected override void BeforeStep(ReadOnlySpan<double> action)
    {
    }

    private protected override double AfterStep(ReadOnlySpan<double> action, out bool terminated)
    {
        var tip = Simulation.SiteXpos.Slice(3 * _tip, 3);
        double x = tip[0], z = tip[2];
        var qvel = Simulation.Qvel;
        double distance = 0.01 * x * x + (z - 2) * (z - 2);
        double velocity = 1e-3 * qvel[1] * qvel[1] + 5e-3 * qvel[2] * qvel[2];
        terminated = z <= 1;
        return 10 - distance - velocity;
    }

    private protected override void WriteObservation(Span<double> observation)
    {
        var qpos = Simulation.Qpos;
        observation[0] = qpos[0];
        observation[1] = Math.Sin(qpos[1]);
        observation[2] = Math.Sin(qpos[2]);
        observation[3] = Math.Cos(qpos[1]);
        observation[4] = Math.Cos(qpos[2]);
        CopyClipped(Simulation.Qvel, observation[5..8], 10);
        CopyClipped(Simulation.QfrcConstraint, observation[8..], 10);
    }
}
