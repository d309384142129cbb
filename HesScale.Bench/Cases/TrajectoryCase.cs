using System.Text.Json;
using HesScale.Bench.Reinforcement.Environments;

namespace HesScale.Bench.Cases;

/// <summary>
/// A <c>mujoco-trajectory/1</c> case: <c>{"format": "mujoco-trajectory/1", "env": NAME, "qpos": [nq],
/// "qvel": [nv], "actions": [[nu], ...]}</c>, Reacher cases also <c>"goal": [x, y]</c>. Parsing checks the
/// structure (finite numbers, equal action widths); the sizes against the model are checked by
/// <see cref="Reinforcement.TrajectoryReplay"/>, which knows nq, nv and nu.
/// </summary>
public sealed class TrajectoryCase
{
    public const string FormatName = "mujoco-trajectory/1";

    private TrajectoryCase(string fileName, string env, double[] qpos, double[] qvel, double[][] actions, double[]? goal)
    {
        FileName = fileName;
        Env = env;
        Qpos = qpos;
        Qvel = qvel;
        Actions = actions;
        Goal = goal;
    }

    /// <summary>The file name (for messages).</summary>
    public string FileName { get; }
    public string Env { get; }
    public double[] Qpos { get; }
    public double[] Qvel { get; }
    /// <summary>One row per step (each of the same width).</summary>
    public double[][] Actions { get; }
    /// <summary>Reacher's goal (x, y), or null.</summary>
    public double[]? Goal { get; }

    public static TrajectoryCase Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"case file '{path}' not found.", path);
        return Parse(File.ReadAllText(path), Path.GetFileName(path));
    }

    public static TrajectoryCase Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        var f = new JsonFields(sourceName);
        using var document = JsonFields.ParseDocument(json, sourceName);
        var root = document.RootElement;
        f.ExpectObject(root, "", "format", "env", "qpos", "qvel", "actions", "goal");
        string format = f.String(f.Required(root, "", "format"), "format");
        if (format != FormatName) throw f.Error("format", $"expected \"{FormatName}\", got \"{format}\"");
        string env = f.String(f.Required(root, "", "env"), "env");
        double[] qpos = Vector(f, f.Required(root, "", "qpos"), "qpos");
        double[] qvel = Vector(f, f.Required(root, "", "qvel"), "qvel");
        var actionsElement = f.Required(root, "", "actions");
        int steps = f.ArrayLength(actionsElement, "actions");
        var actions = new double[steps][];
        int s = 0;
        foreach (var row in actionsElement.EnumerateArray())
        {
            string path = JsonFields.Index("actions", s);
            actions[s] = Vector(f, row, path);
            if (actions[s].Length != actions[0].Length)
                throw f.Error(path, $"expected {actions[0].Length} numbers like actions[0], got {actions[s].Length}");
            s++;
        }
        double[]? goal = null;
        if (JsonFields.Optional(root, "goal") is JsonElement g)
        {
            goal = new double[2];
            f.Numbers(g, "goal", 2, goal, 0);
        }
        return new TrajectoryCase(sourceName, env, qpos, qvel, actions, goal);
    }

    private static double[] Vector(JsonFields f, JsonElement e, string path)
    {
        int n = f.ArrayLength(e, path);
        var values = new double[n];
        f.Numbers(e, path, n, values, 0);
        return values;
    }

    internal CaseFormatException Error(string field, string problem) => new(FileName, field, problem);
}

/// <summary>
/// What a replay produced: the observation of the start state, then one observation, reward and
/// terminated flag per step, in the expected-file shape <c>{"observations": [[...]], "rewards": [...], "terminated": [...]}</c>.
/// </summary>
public sealed class TrajectoryResult
{
    public TrajectoryResult(IReadOnlyList<double[]> observations, IReadOnlyList<double> rewards, IReadOnlyList<bool> terminated)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(rewards);
        ArgumentNullException.ThrowIfNull(terminated);
        if (observations.Count != rewards.Count + 1 || terminated.Count != rewards.Count)
            throw new ArgumentException($"expected one more observation than rewards and one flag per reward, got {observations.Count}, {rewards.Count}, {terminated.Count}.");
        Observations = observations;
        Rewards = rewards;
        Terminated = terminated;
    }

    public IReadOnlyList<double[]> Observations { get; }
    public IReadOnlyList<double> Rewards { get; }
    public IReadOnlyList<bool> Terminated { get; }

    /// <summary>Reads an expected file (or a written result).</summary>
    public static TrajectoryResult Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string name = Path.GetFileName(path);
        var f = new JsonFields(name);
        using var document = JsonFields.ParseDocument(File.ReadAllText(path), name);
        var root = document.RootElement;
        f.ExpectObject(root, "", "observations", "rewards", "terminated");
        var obsElement = f.Required(root, "", "observations");
        f.ArrayLength(obsElement, "observations");
        var observations = new List<double[]>();
        int i = 0;
        foreach (var row in obsElement.EnumerateArray())
        {
            string p = JsonFields.Index("observations", i++);
            var values = new double[f.ArrayLength(row, p)];
            f.Numbers(row, p, values.Length, values, 0);
            observations.Add(values);
        }
        var rewardsElement = f.Required(root, "", "rewards");
        var rewards = new double[f.ArrayLength(rewardsElement, "rewards")];
        f.Numbers(rewardsElement, "rewards", rewards.Length, rewards, 0);
        var termElement = f.Required(root, "", "terminated");
        f.ArrayLength(termElement, "terminated");
        var terminated = new List<bool>();
        int t = 0;
        foreach (var flag in termElement.EnumerateArray())
        {
            if (flag.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                throw f.Error(JsonFields.Index("terminated", t), $"expected a boolean, got {JsonFields.Describe(flag.ValueKind)}");
            terminated.Add(flag.GetBoolean());
            t++;
        }
        return new TrajectoryResult(observations, rewards, terminated);
    }

    /// <summary>Writes the JSON (numbers in the shortest form that round-trips a double).</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteStartArray("observations");
        foreach (var row in Observations)
        {
            w.WriteStartArray();
            foreach (double v in row) w.WriteNumberValue(v);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteStartArray("rewards");
        foreach (double r in Rewards) w.WriteNumberValue(r);
        w.WriteEndArray();
        w.WriteStartArray("terminated");
        foreach (bool t in Terminated) w.WriteBooleanValue(t);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
