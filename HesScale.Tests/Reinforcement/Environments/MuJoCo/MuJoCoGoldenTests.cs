using HesScale.Bench.Cases;
using HesScale.Bench.Reinforcement.Environments;
using HesScale.Bench.Reinforcement.Environments.MuJoCo;
using HesScale.Gpu.Reinforcement;
using HesScale.Tests.Reinforcement.MuJoCo;

namespace HesScale.Tests.Reinforcement.Environments.MuJoCo;

/// <summary>
/// The shared mujoco-trajectory/1 cases (one per task, computed independently and cross-checked against
/// Gymnasium's classes on MuJoCo 2.2.2) replayed to a relative error of 1e-5, terminated flags exactly.
/// </summary>
[TestClass]
public sealed class MuJoCoGoldenTests
{
    private const double Tolerance = 1e-5;

    [TestInitialize]
    public void RequireMuJoCo() => MuJoCoAvailability.Require();

    [TestMethod]
    public void There_is_one_case_per_environment()
    {
        var envs = MuJoCoAvailability.GoldenCaseNames
            .Select(n => TrajectoryCase.Load(Path.Combine(MuJoCoAvailability.GoldenDirectory, n + ".json")).Env)
            .Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(EnvironmentRegistry.MuJoCoIds.Order(StringComparer.Ordinal).ToArray(), envs);
    }

    [TestMethod]
    [DataRow("case-000")]
    [DataRow("case-001")]
    [DataRow("case-002")]
    [DataRow("case-003")]
    [DataRow("case-004")]
    [DataRow("case-005")]
    [DataRow("case-006")]
    [DataRow("case-007")]
    public void Replay_matches_the_expected_trajectory(string name)
    {
        var c = TrajectoryCase.Load(Path.Combine(MuJoCoAvailability.GoldenDirectory, name + ".json"));
        var expected = TrajectoryResult.Load(Path.Combine(MuJoCoAvailability.GoldenDirectory, name + ".expected.json"));
        AssertMatches(expected, TrajectoryReplay.Run(c), $"{name} ({c.Env})");
    }

    /// <summary>Per observation row and over the rewards: ||ours − expected|| ≤ 1e-5 ||expected|| (absolute 1e-12 for all-zero rows).</summary>
    internal static void AssertMatches(TrajectoryResult expected, TrajectoryResult actual, string what)
    {
        Assert.HasCount(expected.Observations.Count, actual.Observations, $"{what}: observations");
        CollectionAssert.AreEqual(expected.Terminated.ToArray(), actual.Terminated.ToArray(), $"{what}: terminated");
        for (int t = 0; t < expected.Observations.Count; t++) AssertClose(expected.Observations[t], actual.Observations[t], $"{what}: observations[{t}]");
        AssertClose([.. expected.Rewards], [.. actual.Rewards], $"{what}: rewards");
    }

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        double bound = norm == 0 ? 1e-12 : Tolerance * Math.Sqrt(norm);
        Assert.IsLessThanOrEqualTo(bound, Math.Sqrt(diff), $"{what}: error {Math.Sqrt(diff):E3} over {Math.Sqrt(norm):E3}");
    }

    [TestMethod]
    public void A_perturbed_start_is_caught_by_the_comparison()
    {
        // The check can fail: the hopper case from a start 1e-3 away in qvel does not match.
        string json = File.ReadAllText(Path.Combine(MuJoCoAvailability.GoldenDirectory, "case-000.json"));
        var c = TrajectoryCase.Parse(json, "case-000.json");
        c.Qvel[0] += 1e-3;
        var expected = TrajectoryResult.Load(Path.Combine(MuJoCoAvailability.GoldenDirectory, "case-000.expected.json"));
        Assert.ThrowsExactly<AssertFailedException>(() => AssertMatches(expected, TrajectoryReplay.Run(c), "perturbed"));
    }
}
