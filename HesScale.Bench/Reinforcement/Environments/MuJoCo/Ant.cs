namespace HesScale.Bench.Reinforcement.Environments.MuJoCo;

/// <summary>
/// Ant-v4 (ant.xml, RK4 at 0.01 s, frame skip 5; free joint + 8 hinges, nq 15, nv 14). Observation (27)
/// = qpos[2..14] (torso z, quaternion, joint angles), qvel. Forward velocity from the torso body's xpos.x
/// before and after the step. Reward = vx + 1 − 0.5·Σa²; terminates unless qpos and qvel are finite and
/// 0.2 ≤ torso z ≤ 1 (inclusive). Reset: qpos += U(±0.1) (the quaternion too; mj_forward renormalises it),
/// then qvel = 0.1·N(0, 1). With <c>useContactForces</c> (v4 option, off by default) the observation appends
/// clip(cfrc_ext, ±1) for all 14 bodies × 6 (111 values) and the reward subtracts 5e-4·Σ of their squares.
/// </summary>
public sealed class Ant : MuJoCoEnvironment
{
    private const int BaseObservation = 27;
    private readonly int _torso;
    private readonly bool _useContactForces;
    private double _xBefore;

    public Ant(bool useContactForces = false)
        : base("ant", "ant.xml", frameSkip: 5, observationSize: useContactForces ? BaseObservation + 14 * 6 : BaseObservation, maxEpisodeSteps: 1000)
    {
        _useContactForces = useContactForces;
        _torso = Simulation.BodyId("torso");
    }

    private protected override bool NeedsContactForces => _useContactForces;

    private protected override void DrawStart(Random random, Span<double> qpos, Span<double> qvel)
    {
        AddUniform(random, qpos, 0.1);
        AddNormal(random, qvel, 0.1);
    }

    private protected override void BeforeStep(ReadOnlySpan<double> action) => _xBefore = Simulation.Xpos[3 * _torso];

    private protected override double AfterStep(ReadOnlySpan<double> action, out bool terminated)
    {
        double forward = (Simulation.Xpos[3 * _torso] - _xBefore) / Dt;
        terminated = !IsHealthy(Simulation.Qpos, Simulation.Qvel);
        double reward = forward + 1.0 - 0.5 * SquaredNorm(action);
        if (_useContactForces)
        {
            double contact = 0;
            foreach (double f in Simulation.CfrcExt)
            {
                double c = Math.Clamp(f, -1.0, 1.0);
                contact += c * c;
            }
            reward -= 5e-4 * contact;
        }
        return reward;
    }

    internal static bool IsHealthy(ReadOnlySpan<double> qpos, ReadOnlySpan<double> qvel)
    {
        foreach (double v in qpos)
        {
            if (!double.IsFinite(v)) return false;
        }
        foreach (double v in qvel)
        {
            if (!double.IsFinite(v)) return false;
        }
        return qpos[2] >= 0.2 && qpos[2] <= 1.0;
    }

    private protected override void WriteObservation(Span<double> observation)
    {
        Simulation.Qpos[2..].CopyTo(observation);
        Simulation.Qvel.CopyTo(observation[13..]);
        if (_useContactForces) CopyClipped(Simulation.CfrcExt, observation[BaseObservation..], 1.0);
    }
}
