namespace HesScale.Bench.Reinforcement.Environments.MuJoCo;

/// <summary>
/// Reacher-v4 (reacher.xml, RK4 at 0.01 s, frame skip 2; time limit 50). qpos = joint0, joint1, target x,
/// target y (the goal lives in qpos[2..3]). Observation (11) = cos q0, cos q1, sin q0, sin q1, qpos[2..3],
/// qvel[0..1], fingertip − target (xpos, 3). Reward, from the state before the step: −‖fingertip − target‖ − Σa²;
/// never terminates. Reset: qpos += U(±0.1); goal ~ U(±0.2)² until ‖goal‖ &lt; 0.2; qvel = U(±0.005), target's zeroed.
/// </summary>
public sealed class Reacher : MuJoCoEnvironment
{
    private readonly int _fingertip, _target;
    private double _distanceBefore;

    public Reacher() : base("reacher", "reacher.xml", frameSkip: 2, observationSize: 11, maxEpisodeSteps: 50)
    {
        _fingertip = Simulation.BodyId("fingertip");
        _target = Simulation.BodyId("target");
    }

    private protected override void DrawStart(Random random, Span<double> qpos, Span<double> qvel)
    {
        AddUniform(random, qpos, 0.1);
        double gx, gy;
        do
        {
            gx = -0.2 + 0.4 * random.NextDouble();
            gy = -0.2 + 0.4 * random.NextDouble();
        }
        while (!(Math.Sqrt(gx * gx + gy * gy) < 0.2));
        qpos[2] = gx;
        qpos[3] = gy;
        AddUniform(random, qvel, 0.005);
        qvel[2] = 0;
        qvel[3] = 0;
    }

    private protected override void BeforeStep(ReadOnlySpan<double> action)
    {
        var xpos = Simulation.Xpos;
        double dx = xpos[3 * _fingertip] - xpos[3 * _target];
        double dy = xpos[3 * _fingertip + 1] - xpos[3 * _target + 1];
        double dz = xpos[3 * _fingertip + 2] - xpos[3 * _target + 2];
        _distanceBefore = Math.Sqrt(dx * dx + dy * dy + dz * dz);
    }

    private protected override double AfterStep(ReadOnlySpan<double> action, out bool terminated)
    {
        terminated = false;
        return -_distanceBefore - SquaredNorm(action);
    }

    private protected override void WriteObservation(Span<double> observation)
    {
        var qpos = Simulation.Qpos;
        var xpos = Simulation.Xpos;
        observation[0] = Math.Cos(qpos[0]);
        observation[1] = Math.Cos(qpos[1]);
        observation[2] = Math.Sin(qpos[0]);
        observation[3] = Math.Sin(qpos[1]);
        observation[4] = qpos[2];
        observation[5] = qpos[3];
        Simulation.Qvel[..2].CopyTo(observation[6..]);
        for (int k = 0; k < 3; k++) observation[8 + k] = xpos[3 * _fingertip + k] - xpos[3 * _target + k];
    }
}
