using HesScale.Bench.Cases;
using HesScale.Tests.Cli;
using HesScale.Tests.Reinforcement.Environments.MuJoCo;

namespace HesScale.Tests.Reinforcement.MuJoCo;

/// <summary><c>hesscale env-replay</c>: the golden folder reproduces its expected files; bad input is one line, exit 1, no output.</summary>
[TestClass]
public sealed class EnvReplayCommandTests
{
    [TestInitialize]
    public void RequireMuJoCo() => MuJoCoAvailability.Require();

    private static string Golden(string file) => Path.Combine(MuJoCoAvailability.GoldenDirectory, file);

    [TestMethod]
    public void Golden_folder_writes_one_matching_file_per_case()
    {
        using var run = new CliRun();
        string outDir = run.PathOf("out");
        Assert.AreEqual(0, run.EnvReplay("--case", MuJoCoAvailability.GoldenDirectory, "--out", outDir), run.Stderr);
        var names = MuJoCoAvailability.GoldenCaseNames;
        CollectionAssert.AreEqual(names.Select(n => n + ".json").ToArray(), CliRun.FilesIn(outDir));
        foreach (var name in names)
        {
            MuJoCoGoldenTests.AssertMatches(TrajectoryResult.Load(Golden(name + ".expected.json")),
                TrajectoryResult.Load(Path.Combine(outDir, name + ".json")), name);
        }
        StringAssert.Contains(run.Stdout, "case-000.json: hopper");
    }

    [TestMethod]
    public void Single_file_to_a_file()
    {
        using var run = new CliRun();
        string output = run.PathOf("reacher.json");
        Assert.AreEqual(0, run.EnvReplay("--case", Golden("case-006.json"), "--out", output), run.Stderr);
        CollectionAssert.AreEqual(new[] { "reacher.json" }, CliRun.FilesIn(run.Root), "one output, no temporary file");
        MuJoCoGoldenTests.AssertMatches(TrajectoryResult.Load(Golden("case-006.expected.json")), TrajectoryResult.Load(output), "case-006");
    }

    private static string Case(string env, string qpos, string qvel, string actions, string extra = "") =>
        $"{{\"format\": \"mujoco-trajectory/1\", \"env\": \"{env}\", \"qpos\": {qpos}, \"qvel\": {qvel}, \"actions\": {actions}{extra}}}";

    [TestMethod]
    [DataRow("{\"format\": \"mujoco-trajectory/1\", \"env\": \"hopper\"", "not valid JSON")]
    [DataRow("{\"format\": \"mujoco-trajectory/2\", \"env\": \"hopper\", \"qpos\": [], \"qvel\": [], \"actions\": []}", "format")]
    [DataRow("{\"format\": \"mujoco-trajectory/1\", \"env\": \"humanoid\", \"qpos\": [0], \"qvel\": [0], \"actions\": []}", "humanoid")]
    [DataRow("{\"format\": \"mujoco-trajectory/1\", \"env\": \"hopper\", \"qpos\": [0, 1.25, 0, 0, 0], \"qvel\": [0, 0, 0, 0, 0, 0], \"actions\": []}", "qpos: expected 6 numbers for hopper, got 5")]
    [DataRow("{\"format\": \"mujoco-trajectory/1\", \"env\": \"hopper\", \"qpos\": [0, 1.25, 0, 0, 0, 0], \"qvel\": [0, 0, 0, 0, 0, 0], \"actions\": [[0, 0]]}", "actions[0]: expected 3 numbers")]
    [DataRow("{\"format\": \"mujoco-trajectory/1\", \"env\": \"hopper\", \"qpos\": [0, 1.25, 0, 0, 0, 0], \"qvel\": [0, 0, 0, 0, 0, \"x\"], \"actions\": []}", "qvel[5]")]
    [DataRow("{\"format\": \"mujoco-trajectory/1\", \"env\": \"hopper\", \"qpos\": [0, 1.25, 0, 0, 0, 0], \"qvel\": [0, 0, 0, 0, 0, 0], \"actions\": [[0, 0, 0], [0, 0]]}", "actions[1]")]
    [DataRow("{\"format\": \"mujoco-trajectory/1\", \"env\": \"hopper\", \"qpos\": [0, 1.25, 0, 0, 0, 0], \"qvel\": [0, 0, 0, 0, 0, 0], \"actions\": [], \"goal\": [0, 0]}", "only reacher")]
    [DataRow("{\"format\": \"mujoco-trajectory/1\", \"env\": \"reacher\", \"qpos\": [0, 0, 0.1, -0.1], \"qvel\": [0, 0, 0, 0], \"actions\": []}", "goal")]
    [DataRow("{\"format\": \"mujoco-trajectory/1\", \"env\": \"reacher\", \"qpos\": [0, 0, 0.1, -0.1], \"qvel\": [0, 0, 0, 0], \"actions\": [], \"goal\": [0.05, 0]}", "differs")]
    [DataRow("{\"format\": \"mujoco-trajectory/1\", \"env\": \"hopper\", \"qpos\": [0, 1.25, 0, 0, 0, 0], \"qvel\": [0, 0, 0, 0, 0, 0], \"actions\": [], \"seed\": 1}", "seed")]
    public void Bad_case_is_one_line_exit_1_and_no_output(string json, string fragment)
    {
        using var run = new CliRun();
        string input = run.PathOf("case-bad.json");
        File.WriteAllText(input, json);
        string output = run.PathOf("out.json");
        Assert.AreEqual(1, run.EnvReplay("--case", input, "--out", output), run.Stderr);
        StringAssert.Contains(run.Stderr, fragment);
        StringAssert.Contains(run.Stderr, "case-bad.json");
        Assert.AreEqual(1, run.Stderr.TrimEnd().Split('\n').Length, run.Stderr);
        Assert.IsFalse(File.Exists(output));
        Assert.AreEqual(json, File.ReadAllText(input), "the input is untouched");
    }

    [TestMethod]
    public void One_bad_case_in_a_folder_writes_nothing()
    {
        using var run = new CliRun();
        string cases = run.PathOf("cases");
        Directory.CreateDirectory(cases);
        File.Copy(Golden("case-004.json"), Path.Combine(cases, "case-000.json"));
        File.WriteAllText(Path.Combine(cases, "case-001.json"), Case("swimmer", "[0, 0, 0, 0]", "[0, 0, 0, 0, 0]", "[]"));
        string outDir = run.PathOf("out");
        Assert.AreEqual(1, run.EnvReplay("--case", cases, "--out", outDir));
        StringAssert.Contains(run.Stderr, "case-001.json: qpos: expected 5 numbers for swimmer, got 4");
        CollectionAssert.AreEqual(Array.Empty<string>(), CliRun.FilesIn(outDir));
    }

    [TestMethod]
    public void Output_onto_the_input_is_refused()
    {
        using var run = new CliRun();
        string input = run.PathOf("case-000.json");
        File.Copy(Golden("case-000.json"), input);
        string before = File.ReadAllText(input);
        Assert.AreEqual(2, run.EnvReplay("--case", input, "--out", input));
        Assert.AreEqual(2, run.EnvReplay("--case", run.Root, "--out", run.Root));
        Assert.AreEqual(before, File.ReadAllText(input));
        Assert.AreEqual(2, run.EnvReplay("--case", input));
        StringAssert.Contains(run.Stderr, "--out");
        Assert.AreEqual(1, run.EnvReplay("--case", run.PathOf("missing.json"), "--out", run.PathOf("o.json")));
        StringAssert.Contains(run.Stderr, "missing.json");
    }

    [TestMethod]
    public void Replay_stops_after_the_first_terminated_step()
    {
        // Hopper started far below its healthy height: terminated on step 1, the remaining actions unused.
        using var run = new CliRun();
        string input = run.PathOf("case-low.json");
        File.WriteAllText(input, Case("hopper", "[0, 0.5, 0, 0, 0, 0]", "[0, 0, 0, 0, 0, 0]", "[[0, 0, 0], [0, 0, 0], [0, 0, 0]]"));
        string output = run.PathOf("low.json");
        Assert.AreEqual(0, run.EnvReplay("--case", input, "--out", output), run.Stderr);
        var result = TrajectoryResult.Load(output);
        Assert.HasCount(2, result.Observations);
        CollectionAssert.AreEqual(new[] { true }, result.Terminated.ToArray());
        Assert.AreEqual(0.5, result.Observations[0][0], "the first observation is the start state");
    }
}

/// <summary><c>hesscale env-rate</c> runs and rejects bad options (its numbers are not checked: no timed tests).</summary>
[TestClass]
public sealed class EnvRateCommandTests
{
    [TestMethod]
    public void Prints_one_row_per_task_and_rejects_unknown_tasks()
    {
        MuJoCoAvailability.Require();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Assert.AreEqual(0, HesScale.Bench.Commands.EnvRateCommand.Run(["--env", "swimmer,reacher", "--steps", "200"], stdout, stderr), stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.HasCount(3, lines);
        StringAssert.StartsWith(lines[1], "swimmer");
        StringAssert.StartsWith(lines[2], "reacher");
        Assert.AreEqual(2, HesScale.Bench.Commands.EnvRateCommand.Run(["--env", "humanoid"], TextWriter.Null, stderr));
        StringAssert.Contains(stderr.ToString(), "humanoid");
        Assert.AreEqual(2, HesScale.Bench.Commands.EnvRateCommand.Run(["--steps", "0"], TextWriter.Null, TextWriter.Null));
    }
}
