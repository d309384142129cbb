using HesScale.Bench.Reinforcement.Environments;
using HesScale.Gpu.Reinforcement;

namespace HesScale.Tests.Reinforcement.Environments;

/// <summary>Dynamics against values worked out by hand from Gymnasium's equations, and the documented edge cases.</summary>
[TestClass]
public sealed class EnvironmentTests
{
    private static float[] A(float a) => [a];

    [TestMethod]
    public void CartPole_PushRightFromRest_MatchesHandComputedEuler()
    {
        // temp = 10/1.1 = 100/11; thetaacc = -(100/11) / (0.5 (4/3 - 0.1/1.1)) = -600/41;
        // xacc = 100/11 + 0.05 (600/41) / 1.1 = 4400/451. Euler: positions keep their old (zero) velocities.
        var env = new CartPole();
        env.SetState(0, 0, 0, 0);
        var obs = new float[4];
        double r = env.Step(A(1), obs, out bool terminated);
        Assert.AreEqual(0.0, env.State[0], 1e-15);
        Assert.AreEqual(0.02 * 4400.0 / 451.0, env.State[1], 1e-12);
        Assert.AreEqual(0.0, env.State[2], 1e-15);
        Assert.AreEqual(-0.02 * 600.0 / 41.0, env.State[3], 1e-12);
        Assert.AreEqual(1.0, r);
        Assert.IsFalse(terminated);
        Assert.AreEqual((float)(-0.02 * 600.0 / 41.0), obs[3]);
    }

    [TestMethod]
    public void CartPole_TiltedPole_UsesGravityTerm()
    {
        // theta = 0.1, all velocities 0, push left (-10): temp = -10/1.1;
        // thetaacc = (9.8 sin 0.1 - cos 0.1 temp) / (0.5 (4/3 - 0.1 cos^2 0.1 / 1.1)).
        var env = new CartPole();
        env.SetState(0.5, 0.3, 0.1, -0.2);
        env.Step(A(0), new float[4], out _);
        double s = Math.Sin(0.1), c = Math.Cos(0.1);
        double temp = (-10 + 0.05 * 0.04 * s) / 1.1;
        double thetaAcc = (9.8 * s - c * temp) / (0.5 * (4.0 / 3.0 - 0.1 * c * c / 1.1));
        double xAcc = temp - 0.05 * thetaAcc * c / 1.1;
        Assert.AreEqual(0.5 + 0.02 * 0.3, env.State[0], 1e-12);
        Assert.AreEqual(0.3 + 0.02 * xAcc, env.State[1], 1e-12);
        Assert.AreEqual(0.1 + 0.02 * -0.2, env.State[2], 1e-12);
        Assert.AreEqual(-0.2 + 0.02 * thetaAcc, env.State[3], 1e-12);
    }

    [TestMethod]
    [DataRow(2.39, 0.0, false)]
    [DataRow(2.41, 0.0, true)]
    [DataRow(-2.41, 0.0, true)]
    [DataRow(0.0, 0.2090, false)]   // 12 degrees = 0.20944 rad
    [DataRow(0.0, 0.2100, true)]
    [DataRow(0.0, -0.2100, true)]
    public void CartPole_TerminatesBeyondThresholds(double x, double theta, bool expected)
    {
        // Velocities zero, so the position and angle after the step equal the set ones.
        var env = new CartPole();
        env.SetState(x, 0, theta, 0);
        double r = env.Step(A(1), new float[4], out bool terminated);
        Assert.AreEqual(expected, terminated);
        Assert.AreEqual(1.0, r, "CartPole-v1 rewards the terminating step too");
    }

    [TestMethod]
    public void CartPole_RejectsInvalidAction()
    {
        var env = new CartPole();
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => env.Step(A(2), new float[4], out _));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => env.Step(A(0.5f), new float[4], out _));
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(A(1), new float[3], out _));
    }

    [TestMethod]
    public void Acrobot_TorqueAtRest_MatchesHandComputedAccelerations()
    {
        // theta = 0, velocities 0, torque +1: d1 = 0.25 + (1 + 0.25 + 1) + 2 = 4.5, d2 = 0.75 + 1 = 1.75,
        // phi1 = phi2 = 0 (cos(-pi/2) = 0); ddt2 = 1 / (1.25 - 1.75^2/4.5), ddt1 = -1.75 ddt2 / 4.5.
        var ds = new double[4];
        Acrobot.Derivatives([0, 0, 0, 0], 1.0, ds);
        double ddt2 = 1 / (1.25 - 1.75 * 1.75 / 4.5);
        Assert.AreEqual(0, ds[0]);
        Assert.AreEqual(0, ds[1]);
        Assert.AreEqual(-1.75 * ddt2 / 4.5, ds[2], 1e-12);
        Assert.AreEqual(ddt2, ds[3], 1e-12);
        Assert.AreEqual(1.7560975609756, ddt2, 1e-9);
    }

    [TestMethod]
    public void Acrobot_HangingAtRestWithoutTorque_StaysPut()
    {
        // Hanging at rest with no torque is an equilibrium: one step leaves it unchanged and gives reward -1.
        var env = new Acrobot();
        env.SetState(0, 0, 0, 0);
        var obs = new float[6];
        double r = env.Step(A(1), obs, out bool terminated);
        Assert.AreEqual(-1.0, r);
        Assert.IsFalse(terminated);
        float[] rest = [1, 0, 1, 0, 0, 0];
        for (int i = 0; i < 6; i++) Assert.AreEqual(rest[i], obs[i], 1e-12, $"obs[{i}]"); // cos(-pi/2) is 6e-17, not 0
    }

    [TestMethod]
    [DataRow(3.5, 3.5 - 2 * Math.PI)]
    [DataRow(-3.5, -3.5 + 2 * Math.PI)]
    [DataRow(7.0, 7.0 - 2 * Math.PI)]
    [DataRow(10.0, 10.0 - 4 * Math.PI)]
    [DataRow(1.0, 1.0)]
    public void Acrobot_WrapsAnglesIntoMinusPiPi(double x, double expected) =>
        Assert.AreEqual(expected, Acrobot.Wrap(x, -Math.PI, Math.PI), 1e-12);

    [TestMethod]
    public void Acrobot_UprightIsTerminal_WithZeroReward_AndVelocitiesAreClipped()
    {
        var env = new Acrobot();
        env.SetState(Math.PI, 0, 0, 0); // -cos(pi) - cos(pi) = 2 > 1
        double r = env.Step(A(1), new float[6], out bool terminated);
        Assert.IsTrue(terminated);
        Assert.AreEqual(0.0, r);

        env.SetState(0, 0, 100, -100);
        env.Step(A(1), new float[6], out _);
        Assert.IsLessThanOrEqualTo(4 * Math.PI, Math.Abs(env.State[2]));
        Assert.AreEqual(9 * Math.PI, Math.Abs(env.State[3]), 1e-12);
        Assert.IsLessThanOrEqualTo(Math.PI, Math.Abs(env.State[0]));
        Assert.IsLessThanOrEqualTo(Math.PI, Math.Abs(env.State[1]));
    }

    [TestMethod]
    public void Pendulum_ClipsTorque_AndCostsTheClippedAction()
    {
        // theta = 0, thdot = 0, u = 5 -> 2: cost = 0.001 * 4; thdot' = (3/1) * 2 * 0.05 = 0.3; theta' = 0.3 * 0.05.
        var env = new Pendulum();
        env.SetState(0, 0);
        var obs = new float[3];
        double r = env.Step(A(5f), obs, out bool terminated);
        Assert.AreEqual(-0.004, r, 1e-15);
        Assert.AreEqual(0.3, env.ThetaDot, 1e-12);
        Assert.AreEqual(0.015, env.Theta, 1e-12);
        Assert.IsFalse(terminated);
        Assert.AreEqual((float)Math.Cos(0.015), obs[0]);
        Assert.AreEqual((float)Math.Sin(0.015), obs[1]);
        Assert.AreEqual(0.3f, obs[2]);
    }

    [TestMethod]
    public void Pendulum_CostUsesNormalizedAngle_AndSpeedIsClipped()
    {
        var env = new Pendulum();
        env.SetState(2 * Math.PI + 0.1, 7.9);
        double r = env.Step(A(2f), new float[3], out _);
        // cost = 0.1^2 + 0.1 * 7.9^2 + 0.001 * 4; thdot = 7.9 + (15 sin(0.1) + 6) 0.05 = 8.95 -> 8.
        Assert.AreEqual(-(0.01 + 0.1 * 7.9 * 7.9 + 0.004), r, 1e-12);
        Assert.AreEqual(8.0, env.ThetaDot);
        Assert.AreEqual(2 * Math.PI + 0.1 + 0.4, env.Theta, 1e-12);
    }

    [TestMethod]
    [DataRow(1.5 * Math.PI, -0.5 * Math.PI)]
    [DataRow(-Math.PI, -Math.PI)]
    [DataRow(Math.PI, -Math.PI)]
    [DataRow(-3.5 * Math.PI, 0.5 * Math.PI)]
    [DataRow(0.25, 0.25)]
    public void Pendulum_NormalizeAngle_IsFlooredModulo(double x, double expected) =>
        Assert.AreEqual(expected, Pendulum.NormalizeAngle(x), 1e-12);

    [TestMethod]
    public void MountainCar_ClipsForce_ButCostsTheRawAction()
    {
        var env = new MountainCarContinuous();
        env.SetState(-0.5, 0);
        var obs = new float[2];
        double r = env.Step(A(3f), obs, out bool terminated);
        double v = 1 * 0.0015 - 0.0025 * Math.Cos(-1.5);
        Assert.AreEqual(v, env.Velocity, 1e-15);
        Assert.AreEqual(-0.5 + v, env.Position, 1e-15);
        Assert.AreEqual(-0.9, r, 1e-6, "reward = -0.1 * action^2 with the unclipped action 3");
        Assert.IsFalse(terminated);
    }

    [TestMethod]
    public void MountainCar_LeftWallStopsTheCar_GoalTerminatesWithBonus()
    {
        var env = new MountainCarContinuous();
        env.SetState(-1.19, -0.05);
        env.Step(A(-1f), new float[2], out _);
        Assert.AreEqual(-1.2, env.Position);
        Assert.AreEqual(0.0, env.Velocity);

        env.SetState(0.44, 0.02);
        double r = env.Step(A(0.5f), new float[2], out bool terminated);
        Assert.IsTrue(terminated);
        Assert.AreEqual(100 - 0.1 * 0.25, r, 1e-12);

        env.SetState(0.5, -0.03); // past the goal but moving back: not terminal
        env.Step(A(-1f), new float[2], out bool back);
        Assert.IsFalse(back);
    }

    [TestMethod]
    public void MountainCar_SpeedIsClipped()
    {
        var env = new MountainCarContinuous();
        env.SetState(-1.0, 0.069); // 0.069 + 0.0015 - 0.0025 cos(-3) = 0.0730 -> 0.07
        env.Step(A(1f), new float[2], out _);
        Assert.AreEqual(0.07, env.Velocity);
        Assert.AreEqual(-0.93, env.Position, 1e-15);
    }

    [TestMethod]
    [DataRow("cartpole")]
    [DataRow("acrobot")]
    [DataRow("pendulum")]
    [DataRow("mountaincar_continuous")]
    public void ResetStates_LieInsideTheObservationBounds(string id)
    {
        var env = EnvironmentRegistry.Create(id);
        var rng = new Random(3);
        var obs = new float[env.ObservationSize];
        for (int k = 0; k < 50; k++)
        {
            env.Reset(rng, obs);
            for (int i = 0; i < obs.Length; i++)
            {
                Assert.IsLessThanOrEqualTo(env.ObservationHigh[i], obs[i]);
                Assert.IsTrue(obs[i] >= env.ObservationLow[i], $"{id} obs[{i}] = {obs[i]} below {env.ObservationLow[i]}");
            }
        }
    }

    [TestMethod]
    public void UnknownEnvironment_IsNamed() =>
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => EnvironmentRegistry.Create("lunarlander")).Message, "lunarlander");
}
