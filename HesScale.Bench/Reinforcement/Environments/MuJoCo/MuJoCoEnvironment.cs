using HesScale.Bench.Reinforcement.MuJoCo;

namespace HesScale.Bench.Reinforcement.Environments.MuJoCo;

/// <summary>
/// A Gymnasium v4 MuJoCo task on native MuJoCo 2.2.2 (spec: docs/rl.md and the shared mujoco.md).
/// <see cref="Step(ReadOnlySpan{double}, Span{double}, out bool)"/> writes the action into ctrl as given
/// (MuJoCo clamps ctrl to the control range itself; the control cost uses the unclipped action), runs
/// <c>mj_step</c> frame-skip times and reads rewards and observations straight from mjData, with no
/// <c>mj_forward</c> after the step, as Gymnasium does. Reset is <c>mj_resetData</c>, the task's noise,
/// <c>mj_forward</c>. A step allocates nothing. Holds native memory: dispose it (the finalizer is a fallback).
/// </summary>
public abstract class MuJoCoEnvironment : IEnvironment, IDisposable
{
    private readonly float[] _actionLow, _actionHigh, _observationLow, _observationHigh;
    private readonly double[] _action, _observation; // float-interface scratch (ActionSize, ObservationSize)

    private protected MuJoCoEnvironment(string id, string modelFile, int frameSkip, int observationSize, int maxEpisodeSteps)
    {
        Id = id;
        FrameSkip = frameSkip;
        ObservationSize = observationSize;
        MaxEpisodeSteps = maxEpisodeSteps;
        Simulation = MuJoCoAssets.Load(modelFile);
        int nu = Simulation.Nu;
        var range = Simulation.ActuatorCtrlRange;
        _actionLow = new float[nu];
        _actionHigh = new float[nu];
        for (int i = 0; i < nu; i++)
        {
            _actionLow[i] = (float)range[2 * i];
            _actionHigh[i] = (float)range[2 * i + 1];
        }
        _observationLow = Enumerable.Repeat(float.NegativeInfinity, observationSize).ToArray();
        _observationHigh = Enumerable.Repeat(float.PositiveInfinity, observationSize).ToArray();
        _action = new double[nu];
        _observation = new double[observationSize];
    }

    internal MuJoCoSimulation Simulation { get; }

    public string Id { get; }
    public int ObservationSize { get; }
    public int DiscreteActions => 0;
    public int ActionSize => Simulation.Nu;
    /// <summary>The actuators' ctrlrange rows. The environment does not clip; MuJoCo clamps ctrl inside the step.</summary>
    public ReadOnlySpan<float> ActionLow => _actionLow;
    public ReadOnlySpan<float> ActionHigh => _actionHigh;
    /// <summary>Unbounded, as Gymnasium's Box(-inf, inf).</summary>
    public ReadOnlySpan<float> ObservationLow => _observationLow;
    public ReadOnlySpan<float> ObservationHigh => _observationHigh;
    public int MaxEpisodeSteps { get; }
    /// <summary>mj_step calls per environment step.</summary>
    public int FrameSkip { get; }
    /// <summary>Seconds per environment step: opt.timestep x frame skip.</summary>
    public double Dt => Simulation.Timestep * FrameSkip;
    /// <summary>The current generalised positions (nq) and velocities (nv).</summary>
    public ReadOnlySpan<double> Qpos => Simulation.Qpos;
    public ReadOnlySpan<double> Qvel => Simulation.Qvel;

    /// <summary>
    /// MuJoCo's bad qpos/qvel/qacc/ctrl warnings since the last reset. MuJoCo 2.2.2 does not fail when
    /// the state blows up: it resets the data itself and counts it here, so a positive value means the
    /// episode diverged (the official code treated any MuJoCo warning as divergence).
    /// </summary>
    public int UnstableWarnings => Simulation.UnstableWarnings;

    public void Reset(Random random, Span<float> observation)
    {
        CheckObservation(observation.Length);
        Reset(random, _observation);
        Narrow(_observation, observation);
    }

    /// <summary>mj_resetData, the task's reset noise drawn from <paramref name="random"/>, mj_forward; writes the observation.</summary>
    public void Reset(Random random, Span<double> observation)
    {
        ArgumentNullException.ThrowIfNull(random);
        CheckObservation(observation.Length);
        Simulation.Reset();
        DrawStart(random, Simulation.Qpos, Simulation.Qvel);
        Simulation.Forward();
        Observe(observation);
    }

    /// <summary>
    /// Starts from exactly this state, with no noise: mj_resetData, qpos and qvel written, mj_forward.
    /// Writes the observation of that state.
    /// </summary>
    public void ResetTo(ReadOnlySpan<double> qpos, ReadOnlySpan<double> qvel, Span<double> observation)
    {
        CheckFinite(qpos, Simulation.Nq, "qpos");
        CheckFinite(qvel, Simulation.Nv, "qvel");
        CheckObservation(observation.Length);
        Simulation.Reset();
        qpos.CopyTo(Simulation.Qpos);
        qvel.CopyTo(Simulation.Qvel);
        Simulation.Forward();
        Observe(observation);
    }

    public double Step(ReadOnlySpan<float> action, Span<float> observation, out bool terminated)
    {
        if (action.Length != _action.Length)
            throw new ArgumentException($"{Id}: expected an action of {_action.Length} values, got {action.Length}.", nameof(action));
        CheckObservation(observation.Length);
        for (int i = 0; i < action.Length; i++) _action[i] = action[i];
        double reward = Step(_action, _observation, out terminated);
        Narrow(_observation, observation);
        return reward;
    }

    /// <summary>One environment step in double precision; returns the reward and writes the next observation.</summary>
    public double Step(ReadOnlySpan<double> action, Span<double> observation, out bool terminated)
    {
        CheckFinite(action, Simulation.Nu, "action");
        CheckObservation(observation.Length);
        BeforeStep(action);
        var ctrl = Simulation.Ctrl;
        action.CopyTo(ctrl);
        for (int k = 0; k < FrameSkip; k++) Simulation.Step();
        // mj_rnePostConstraint only fills cfrc_ext (and cacc, cfrc_int); skipped unless the task reads them.
        if (NeedsContactForces) Simulation.RnePostConstraint();
        double reward = AfterStep(action, out terminated);
        Observe(observation);
        return reward;
    }

    /// <summary>
    /// The physics of a step alone: <paramref name="ctrl"/> written, frame-skip mj_step calls; no reward,
    /// observation or checks beyond the length (measures the physics' share of <see cref="Step(ReadOnlySpan{double}, Span{double}, out bool)"/>).
    /// </summary>
    public void StepPhysics(ReadOnlySpan<double> ctrl)
    {
        if (ctrl.Length != Simulation.Nu)
            throw new ArgumentException($"{Id}: expected ctrl of {Simulation.Nu} values, got {ctrl.Length}.", nameof(ctrl));
        ctrl.CopyTo(Simulation.Ctrl);
        for (int k = 0; k < FrameSkip; k++) Simulation.Step();
    }

    /// <summary>Writes the observation of the current mjData (ObservationSize values).</summary>
    public void Observe(Span<double> observation)
    {
        CheckObservation(observation.Length);
        WriteObservation(observation);
    }

    /// <summary>Adds the task's reset noise to qpos (preset to qpos0) and qvel (preset to zero), in Gymnasium's draw order.</summary>
    private protected abstract void DrawStart(Random random, Span<double> qpos, Span<double> qvel);

    /// <summary>Records what the reward needs from the state before the physics runs (positions, distances).</summary>
    private protected abstract void BeforeStep(ReadOnlySpan<double> action);

    /// <summary>The reward and termination after the physics ran.</summary>
    private protected abstract double AfterStep(ReadOnlySpan<double> action, out bool terminated);

    private protected abstract void WriteObservation(Span<double> observation);

    private protected virtual bool NeedsContactForces => false;

    /// <summary>Σ a² over the action as given (the control cost's sum).</summary>
    private protected static double SquaredNorm(ReadOnlySpan<double> a)
    {
        double s = 0;
        foreach (double v in a) s += v * v;
        return s;
    }

    /// <summary>Adds U(-scale, scale) to every entry (numpy's uniform(low, high, size)).</summary>
    private protected static void AddUniform(Random random, Span<double> values, double scale)
    {
        for (int i = 0; i < values.Length; i++) values[i] += -scale + 2 * scale * random.NextDouble();
    }

    /// <summary>Adds scale · N(0, 1) to every entry (Box-Muller, one pair of uniforms per draw).</summary>
    private protected static void AddNormal(Random random, Span<double> values, double scale)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double u1 = 1.0 - random.NextDouble(); // (0, 1]: log is finite
            double u2 = random.NextDouble();
            values[i] += scale * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }

    /// <summary>Copies <paramref name="from"/> into <paramref name="to"/> with every value clipped to [-limit, limit].</summary>
    private protected static void CopyClipped(ReadOnlySpan<double> from, Span<double> to, double limit)
    {
        for (int i = 0; i < from.Length; i++) to[i] = Math.Clamp(from[i], -limit, limit);
    }

    private void CheckObservation(int length)
    {
        if (length != ObservationSize)
            throw new ArgumentException($"{Id}: the observation buffer must hold {ObservationSize} values, got {length}.", "observation");
    }

    private void CheckFinite(ReadOnlySpan<double> values, int expected, string what)
    {
        if (values.Length != expected)
            throw new ArgumentException($"{Id}: expected {what} of {expected} values, got {values.Length}.", what);
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
                throw new ArgumentOutOfRangeException(what, values[i], $"{Id}: {what}[{i}] is not finite.");
        }
    }

    private static void Narrow(ReadOnlySpan<double> from, Span<float> to)
    {
        for (int i = 0; i < from.Length; i++) to[i] = (float)from[i];
    }

    public void Dispose()
    {
        Simulation.Dispose();
        GC.SuppressFinalize(this);
    }
}
