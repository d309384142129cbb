namespace HesScale.Bench.Reinforcement.Environments.MuJoCo;

/// <summary>
/// InvertedPendulum-v4 (inverted_pendulum.xml, RK4 at 0.02 s, frame skip 2; ctrl range ±3, gear 100).
/// Observation (4) = cart x, pole angle, their velocities. Reward 1 on every step, the terminating one
/// included; terminates when an observation is not finite or |angle| &gt; 0.2. Reset: qpos = U(±0.01), then qvel = U(±0.01).
/// </summary>
public sealed class InvertedPendulum : MuJoCoEnvironment
{
    public InvertedPendulum() : base("inverted_pendulum", "inverted_pendulum.xml", frameSkip: 2, observationSize: 4, maxEpisodeSteps: 1000)
    {
    }

    private protected override void DrawStart(Random random, Span<double> qpos, Span<double> qvel)
    {
        AddUniform(random, qpos, 0.01);
        AddUniform(random, qvel, 0.01);
    }

    private protected override void BeforeStep(ReadOnlySpan<double> action)
    {
    }

    private protected override double AfterStep(ReadOnlySpan<double> action, out bool terminated)
    {
        var qpos = Simulation.Qpos;
        var qvel = Simulation.Qvel;
        bool finite = double.IsFinite(qpos[0]) && double.IsFinite(qpos[1]) && double.IsFinite(qvel[0]) && double.IsFinite(qvel[1]);
        terminated = !finite || Math.Abs(qpos[1]) > 0.2;
        return 1.0;
    }

    private protected override void WriteObservation(Span<double> observation)
    {
        Simulation.Qpos.CopyTo(observation);
        Simulation.Qvel.CopyTo(observation[2..]);
    }
}
