using HesScale.Bench.Reinforcement.Environments;
using HesScale.Bench.Reinforcement.Environments.MuJoCo;
using HesScale.Gpu.Reinforcement;
using HesScale.Tests.Reinforcement.MuJoCo;

namespace HesScale.Tests.Reinforcement.Environments.MuJoCo;

/// <summary>
/// The eight v4 tasks against the spec (shared mujoco.md §2): sizes, bounds, time limits, rewards and
/// observations recomputed here from the raw MuJoCo state with the spec's constants, termination rules,
/// reset noise, seeded determinism, and an allocation-free step.
/// </summary>
[TestClass]
public sealed class MuJoCoEnvironmentTests
{
    [TestInitialize]
    public void RequireMuJoCo() => MuJoCoAvailability.Require();

    private static MuJoCoEnvironment Create(string id) => (MuJoCoEnvironment)EnvironmentRegistry.Create(id);

    // id, observation size, action size, action high (low = -high), time limit, dt (timestep x frame skip).
    [TestMethod]
    [DataRow("hopper", 11, 3, 1f, 1000, 0.008)]
    [DataRow("walker2d", 17, 6, 1f, 1000, 0.008)]
    [DataRow("halfcheetah", 17, 6, 1f, 1000, 0.05)]
    [DataRow("ant", 27, 8, 1f, 1000, 0.05)]
    [DataRow("inverted_pendulum", 4, 1, 3f, 1000, 0.04)]
    [DataRow("inverted_double_pendulum", 11, 1, 1f, 1000, 0.05)]
    [DataRow("reacher", 11, 2, 1f, 50, 0.02)]
    [DataRow("swimmer", 8, 2, 1f, 1000, 0.04)]
    public void Sizes_bounds_time_limit_and_dt_follow_the_spec(string id, int obs, int act, float high, int limit, double dt)
    {
        using var env = Create(id);
        Assert.AreEqual(id, env.Id);
        Assert.AreEqual(obs, env.ObservationSize);
        Assert.AreEqual(act, env.ActionSize);
        Assert.AreEqual(0, env.DiscreteActions);
        CollectionAssert.AreEqual(Enumerable.Repeat(high, act).ToArray(), env.ActionHigh.ToArray());
        CollectionAssert.AreEqual(Enumerable.Repeat(-high, act).ToArray(), env.ActionLow.ToArray());
        Assert.AreEqual(limit, env.MaxEpisodeSteps);
        Assert.AreEqual(dt, env.Dt, 1e-15);
        var o = new float[obs];
        env.Reset(new Random(1), o);
        Assert.IsTrue(o.All(float.IsFinite));
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(new float[act + 1], o, out _));
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(new float[act], new float[obs + 1], out _));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => env.Step(Enumerable.Repeat(float.NaN, act).ToArray(), o, out _));
    }

    /// <summary>Random actions (some outside the control range) from a seeded reset; each step checked by <paramref name="check"/>.</summary>
    private static void Roll(string id, int steps, Action<MuJoCoEnvironment, double[], double[], double[], double[], double, bool, double[]> check, int seed = 5)
    {
        using var env = Create(id);
        var rng = new Random(seed);
        var obs = new double[env.ObservationSize];
        env.Reset(rng, obs);
        var action = new double[env.ActionSize];
        for (int t = 0; t < steps; t++)
        {
            for (int i = 0; i < action.Length; i++) action[i] = 1.5 * env.ActionHigh[i] * (2 * rng.NextDouble() - 1);
            double[] qposBefore = env.Qpos.ToArray(), xposBefore = env.Simulation.Xpos.ToArray();
            double reward = env.Step(action, obs, out bool terminated);
            check(env, qposBefore, xposBefore, action, obs, reward, terminated, env.Qpos.ToArray());
            if (terminated) env.Reset(rng, obs);
        }
    }

    private static double Sq(double[] a) => a.Sum(v => v * v);

    private static double Clip(double v, double limit) => Math.Clamp(v, -limit, limit);

    private static void AssertObservation(double[] expected, double[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], $"obs[{i}]");
    }

    [TestMethod]
    public void Hopper_reward_and_observation_from_the_state() => Roll("hopper", 300, (env, before, _, a, obs, r, term, qpos) =>
    {
        var qvel = env.Qvel.ToArray();
        Assert.AreEqual((qpos[0] - before[0]) / 0.008 + 1.0 - 1e-3 * Sq(a), r, 1e-9);
        AssertObservation([.. qpos[1..], .. qvel.Select(v => Clip(v, 10))], obs);
        bool healthy = qpos[2..].Concat(qvel).All(v => v > -100 && v < 100) && qpos[1] > 0.7 && Math.Abs(qpos[2]) < 0.2;
        Assert.AreEqual(!healthy, term);
    });

    [TestMethod]
    public void Walker2d_reward_and_observation_from_the_state() => Roll("walker2d", 300, (env, before, _, a, obs, r, term, qpos) =>
    {
        var qvel = env.Qvel.ToArray();
        Assert.AreEqual((qpos[0] - before[0]) / 0.008 + 1.0 - 1e-3 * Sq(a), r, 1e-9);
        AssertObservation([.. qpos[1..], .. qvel.Select(v => Clip(v, 10))], obs);
        Assert.AreEqual(!(qpos[1] > 0.8 && qpos[1] < 2 && qpos[2] > -1 && qpos[2] < 1), term);
    });

    [TestMethod]
    public void HalfCheetah_reward_and_observation_from_the_state() => Roll("halfcheetah", 300, (env, before, _, a, obs, r, term, qpos) =>
    {
        Assert.AreEqual((qpos[0] - before[0]) / 0.05 - 0.1 * Sq(a), r, 1e-9);
        AssertObservation([.. qpos[1..], .. env.Qvel.ToArray()], obs);
        Assert.IsFalse(term);
    });

    [TestMethod]
    public void Ant_reward_and_observation_from_the_state() => Roll("ant", 300, (env, _, xposBefore, a, obs, r, term, qpos) =>
    {
        // Forward velocity from the torso body's frame (body 1), not from qpos.
        var qvel = env.Qvel.ToArray();
        Assert.AreEqual((env.Simulation.Xpos[3] - xposBefore[3]) / 0.05 + 1.0 - 0.5 * Sq(a), r, 1e-9);
        AssertObservation([.. qpos[2..], .. qvel], obs);
        bool healthy = qpos.Concat(qvel).All(double.IsFinite) && qpos[2] >= 0.2 && qpos[2] <= 1.0;
        Assert.AreEqual(!healthy, term);
    });

    [TestMethod]
    public void InvertedPendulum_reward_and_observation_from_the_state() => Roll("inverted_pendulum", 300, (env, _, _, _, obs, r, term, qpos) =>
    {
        Assert.AreEqual(1.0, r);
        AssertObservation([.. qpos, .. env.Qvel.ToArray()], obs);
        Assert.AreEqual(Math.Abs(qpos[1]) > 0.2, term);
    });

    [TestMethod]
    public void InvertedDoublePendulum_reward_and_observation_from_the_state() => Roll("inverted_double_pendulum", 300, (env, _, _, _, obs, r, term, qpos) =>
    {
        var qvel = env.Qvel.ToArray();
        var tip = env.Simulation.SiteXpos.ToArray();
        double expected = 10 - (0.01 * tip[0] * tip[0] + (tip[2] - 2) * (tip[2] - 2)) - (1e-3 * qvel[1] * qvel[1] + 5e-3 * qvel[2] * qvel[2]);
        Assert.AreEqual(expected, r, 1e-9);
        var constraint = env.Simulation.QfrcConstraint.ToArray();
        AssertObservation([qpos[0], Math.Sin(qpos[1]), Math.Sin(qpos[2]), Math.Cos(qpos[1]), Math.Cos(qpos[2]),
            .. qvel.Select(v => Clip(v, 10)), .. constraint.Select(v => Clip(v, 10))], obs);
        Assert.AreEqual(tip[2] <= 1, term);
    });

    [TestMethod]
    public void Reacher_reward_uses_the_distance_before_the_step() => Roll("reacher", 200, (env, _, xposBefore, a, obs, r, term, qpos) =>
    {
        double[] d = [xposBefore[9] - xposBefore[12], xposBefore[10] - xposBefore[13], xposBefore[11] - xposBefore[14]];
        Assert.AreEqual(-Math.Sqrt(Sq(d)) - Sq(a), r, 1e-12);
        var x = env.Simulation.Xpos.ToArray();
        AssertObservation([Math.Cos(qpos[0]), Math.Cos(qpos[1]), Math.Sin(qpos[0]), Math.Sin(qpos[1]), qpos[2], qpos[3],
            env.Qvel[0], env.Qvel[1], x[9] - x[12], x[10] - x[13], x[11] - x[14]], obs);
        Assert.IsFalse(term);
    });

    [TestMethod]
    public void Swimmer_reward_and_observation_from_the_state() => Roll("swimmer", 300, (env, before, _, a, obs, r, term, qpos) =>
    {
        Assert.AreEqual((qpos[0] - before[0]) / 0.04 - 1e-4 * Sq(a), r, 1e-9);
        AssertObservation([.. qpos[2..], .. env.Qvel.ToArray()], obs);
        Assert.IsFalse(term);
    });

    [TestMethod]
    public void Ant_with_contact_forces_observes_and_charges_clipped_cfrc_ext()
    {
        using var env = new Ant(useContactForces: true);
        Assert.AreEqual(111, env.ObservationSize);
        var obs = new double[111];
        var rng = new Random(2);
        env.Reset(rng, obs);
        double[] action = [0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5];
        bool sawContact = false;
        for (int t = 0; t < 40; t++)
        {
            double xBefore = env.Simulation.Xpos[3];
            double r = env.Step(action, obs, out _);
            var forces = env.Simulation.CfrcExt.ToArray().Select(v => Clip(v, 1)).ToArray();
            sawContact |= forces.Any(v => v != 0);
            Assert.AreEqual((env.Simulation.Xpos[3] - xBefore) / 0.05 + 1.0 - 0.5 * Sq(action) - 5e-4 * Sq(forces), r, 1e-9);
            CollectionAssert.AreEqual(forces, obs[27..]);
        }
        Assert.IsTrue(sawContact, "the ant touches the floor within 2 s");
    }

    [TestMethod]
    public void The_environment_does_not_clip_the_action_MuJoCo_clamps_ctrl()
    {
        // Same start, actions 50 and 1: the same physics (MuJoCo clamps ctrl to ±1), control costs of the given actions.
        using var a = Create("hopper");
        using var b = Create("hopper");
        var qpos = a.Simulation.Qpos0.ToArray();
        var qvel = new double[6];
        var oa = new double[11];
        var ob = new double[11];
        a.ResetTo(qpos, qvel, oa);
        b.ResetTo(qpos, qvel, ob);
        double ra = a.Step([50, 50, 50], oa, out _);
        double rb = b.Step([1, 1, 1], ob, out _);
        CollectionAssert.AreEqual(ob, oa);
        Assert.AreEqual(1e-3 * (3 * 2500 - 3), rb - ra, 1e-9);
    }

    [TestMethod]
    [DataRow("hopper", new[] { 0, 0.6, 0, 0, 0, 0 }, true)]      // rootz below 0.7
    [DataRow("hopper", new[] { 0, 1.25, 0.3, 0, 0, 0 }, true)]   // rooty beyond 0.2
    [DataRow("hopper", new[] { 0, 1.25, 0, 0, 0, 0 }, false)]
    [DataRow("walker2d", new[] { 0, 0.5, 0, 0, 0, 0, 0, 0, 0 }, true)]
    [DataRow("walker2d", new[] { 0, 2.5, 0, 0, 0, 0, 0, 0, 0 }, true)] // rootz above 2
    [DataRow("walker2d", new[] { 0, 1.25, 1.2, 0, 0, 0, 0, 0, 0 }, true)]
    [DataRow("walker2d", new[] { 0, 1.25, 0, 0, 0, 0, 0, 0, 0 }, false)]
    [DataRow("ant", new[] { 0, 0, 1.1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, true)]   // torso above 1 (free fall: -1.2 cm)
    [DataRow("ant", new[] { 0, 0, 1.5, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, true)]
    [DataRow("ant", new[] { 0, 0, 0.75, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, false)]
    [DataRow("inverted_pendulum", new[] { 0, 0.3 }, true)]
    [DataRow("inverted_pendulum", new[] { 0, -0.3 }, true)]
    [DataRow("inverted_pendulum", new[] { 0, 0.1 }, false)]
    [DataRow("inverted_double_pendulum", new[] { 0, 1.5, 0 }, true)] // tip far below z = 1
    [DataRow("inverted_double_pendulum", new double[] { 0, 0, 0 }, false)]
    public void Termination_after_one_step_from_a_set_state(string id, double[] qpos, bool expected)
    {
        using var env = Create(id);
        var obs = new double[env.ObservationSize];
        env.ResetTo(qpos, new double[env.Simulation.Nv], obs);
        double r = env.Step(new double[env.ActionSize], obs, out bool terminated);
        Assert.AreEqual(expected, terminated);
        if (id is "hopper" or "walker2d" or "ant") Assert.IsGreaterThan(0.5, r, "the healthy reward is paid on the terminating step too");
    }

    [TestMethod]
    public void Healthy_ranges_are_strict_or_inclusive_as_specified()
    {
        double[] qvel = new double[6];
        Assert.IsFalse(Hopper.IsHealthy([0, 0.7, 0, 0, 0, 0], qvel), "hopper z > 0.7 strictly");
        Assert.IsTrue(Hopper.IsHealthy([0, 0.7000001, 0.19, 0, 0, 0], qvel));
        Assert.IsFalse(Hopper.IsHealthy([0, 1.25, 0.2, 0, 0, 0], qvel));
        Assert.IsFalse(Hopper.IsHealthy([0, 1.25, 0, 100, 0, 0], qvel), "state range (-100, 100) open");
        Assert.IsFalse(Hopper.IsHealthy([0, 1.25, 0, 0, 0, 0], [0, 0, 0, 0, 0, -100]));
        Assert.IsFalse(Hopper.IsHealthy([0, double.NaN, 0, 0, 0, 0], qvel));
        Assert.IsTrue(Hopper.IsHealthy([500, 1.25, 0, 0, 0, 0], qvel), "rootx is outside the state test");
        Assert.IsFalse(Walker2d.IsHealthy([0, 0.8, 0, 0, 0, 0, 0, 0, 0]));
        Assert.IsFalse(Walker2d.IsHealthy([0, 2.0, 0, 0, 0, 0, 0, 0, 0]));
        Assert.IsFalse(Walker2d.IsHealthy([0, 1.25, -1, 0, 0, 0, 0, 0, 0]));
        Assert.IsTrue(Walker2d.IsHealthy([0, 1.25, 0.99, 0, 0, 0, 0, 0, 0]));
        double[] antVel = new double[14];
        double[] ant = [0, 0, 0.2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.IsTrue(Ant.IsHealthy(ant, antVel), "ant z range [0.2, 1] inclusive");
        ant[2] = 1.0;
        Assert.IsTrue(Ant.IsHealthy(ant, antVel));
        ant[2] = 1.0000001;
        Assert.IsFalse(Ant.IsHealthy(ant, antVel));
        ant[2] = 0.5;
        antVel[7] = double.PositiveInfinity;
        Assert.IsFalse(Ant.IsHealthy(ant, antVel), "non-finite velocities are unhealthy");
    }

    [TestMethod]
    [DataRow("halfcheetah")]
    [DataRow("reacher")]
    [DataRow("swimmer")]
    public void Never_terminating_tasks_are_truncated_by_the_time_limit(string id)
    {
        using var env = new VectorEnvironment(id, 1, seed: 3);
        int limit = env.MaxEpisodeSteps;
        var obs = new float[env.ObservationSize];
        var final = new float[env.ObservationSize];
        env.Reset(obs);
        var rng = new Random(4);
        var action = new float[env.ActionWidth];
        var rewards = new float[1];
        var term = new bool[1];
        var trunc = new bool[1];
        for (int t = 1; t <= limit; t++)
        {
            for (int i = 0; i < action.Length; i++) action[i] = (float)(2 * rng.NextDouble() - 1);
            env.Step(action, obs, rewards, term, trunc, final);
            Assert.IsFalse(term[0], $"step {t}");
            Assert.AreEqual(t == limit, trunc[0], $"step {t}");
        }
        Assert.HasCount(1, env.Episodes);
        Assert.AreEqual(limit, env.Episodes[0].Length);
    }

    [TestMethod]
    public void Reset_noise_has_the_specified_ranges_and_goal()
    {
        var obs = new double[11];
        var rng = new Random(9);
        using var hopper = Create("hopper");
        using var reacher = Create("reacher");
        double[] init = [0, 1.25, 0, 0, 0, 0];
        for (int k = 0; k < 50; k++)
        {
            hopper.Reset(rng, obs);
            for (int i = 0; i < 6; i++)
            {
                Assert.IsLessThanOrEqualTo(0.005, Math.Abs(hopper.Qpos[i] - init[i]), $"hopper qpos[{i}]");
                Assert.IsLessThanOrEqualTo(0.005, Math.Abs(hopper.Qvel[i]), $"hopper qvel[{i}]");
            }
            reacher.Reset(rng, obs);
            double gx = reacher.Qpos[2], gy = reacher.Qpos[3];
            Assert.IsLessThan(0.2, Math.Sqrt(gx * gx + gy * gy), "goal inside the 0.2 disc");
            Assert.AreEqual(0.0, reacher.Qvel[2]);
            Assert.AreEqual(0.0, reacher.Qvel[3]);
            Assert.AreEqual(gx, reacher.Simulation.Xpos[3 * 4], 1e-12, "the target body sits at the goal");
        }
        // Ant: the quaternion gets noise too, and mj_forward renormalises it in qpos.
        using var ant = Create("ant");
        var antObs = new double[27];
        ant.Reset(rng, antObs);
        double norm = Math.Sqrt(antObs[1] * antObs[1] + antObs[2] * antObs[2] + antObs[3] * antObs[3] + antObs[4] * antObs[4]);
        Assert.AreEqual(1.0, norm, 1e-12);
        Assert.AreNotEqual(1.0, antObs[1], "the w component moved");
    }

    [TestMethod]
    [DataRow("hopper")]
    [DataRow("walker2d")]
    [DataRow("halfcheetah")]
    [DataRow("ant")]
    [DataRow("inverted_pendulum")]
    [DataRow("inverted_double_pendulum")]
    [DataRow("reacher")]
    [DataRow("swimmer")]
    public void Same_seed_same_trajectory_other_seed_another(string id)
    {
        float[] Run(int seed)
        {
            using var env = new VectorEnvironment(id, 2, seed);
            int o = env.ObservationSize, w = env.ActionWidth;
            var obs = new float[2 * o];
            var final = new float[2 * o];
            var trace = new List<float>();
            env.Reset(obs);
            trace.AddRange(obs);
            var actions = new float[2 * w];
            for (int t = 0; t < 60; t++)
            {
                for (int i = 0; i < actions.Length; i++) actions[i] = MathF.Sin(0.37f * (t * actions.Length + i));
                env.Step(actions, obs, new float[2], new bool[2], new bool[2], final);
                trace.AddRange(obs);
            }
            return [.. trace];
        }
        var first = Run(11);
        CollectionAssert.AreEqual(first, Run(11));
        CollectionAssert.AreNotEqual(first, Run(12));
    }

    [TestMethod]
    public void Float_and_double_steps_agree()
    {
        using var a = Create("walker2d");
        using var b = Create("walker2d");
        var of = new float[17];
        var od = new double[17];
        a.Reset(new Random(1), of);
        b.Reset(new Random(1), od);
        CollectionAssert.AreEqual(od.Select(v => (float)v).ToArray(), of);
        float[] action = [0.3f, -0.7f, 0.1f, 0.9f, -0.2f, 0.4f];
        double rf = a.Step(action, of, out bool tf);
        double rd = b.Step(action.Select(v => (double)v).ToArray(), od, out bool td);
        Assert.AreEqual(rd, rf);
        Assert.AreEqual(td, tf);
        CollectionAssert.AreEqual(od.Select(v => (float)v).ToArray(), of);
    }

    [TestMethod]
    [DataRow("hopper")]
    [DataRow("ant")]
    [DataRow("inverted_double_pendulum")]
    public void A_step_allocates_nothing(string id)
    {
        using var env = Create(id);
        var obs = new float[env.ObservationSize];
        var action = new float[env.ActionSize];
        var rng = new Random(1);
        env.Reset(rng, obs);
        env.Step(action, obs, out _); // warm up (JIT)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < 500; t++)
        {
            action[t % action.Length] = 0.5f * MathF.Sin(t);
            env.Step(action, obs, out bool terminated);
            if (terminated) env.Reset(rng, obs);
        }
        Assert.AreEqual(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [TestMethod]
    public void ResetTo_rejects_wrong_sizes_and_non_finite_values()
    {
        using var env = Create("swimmer");
        var obs = new double[8];
        Assert.ThrowsExactly<ArgumentException>(() => env.ResetTo(new double[4], new double[5], obs));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => env.ResetTo([0, 0, double.NaN, 0, 0], new double[5], obs));
    }

    [TestMethod]
    public void Vector_environment_disposes_its_copies()
    {
        var env = new VectorEnvironment("swimmer", 2, seed: 1);
        var copy = (MuJoCoEnvironment)env.Prototype;
        env.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => copy.Qpos[0]);
    }
}
