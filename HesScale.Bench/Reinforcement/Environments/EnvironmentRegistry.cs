using HesScale.Bench.Reinforcement.Environments.MuJoCo;

namespace HesScale.Bench.Reinforcement.Environments;

/// <summary>Creates environments by identifier.</summary>
public static class EnvironmentRegistry
{
    /// <summary>The MuJoCo v4 tasks (need libmujoco2.2.2); each is a <see cref="MuJoCoEnvironment"/> and must be disposed.</summary>
    public static readonly IReadOnlyList<string> MuJoCoIds =
        ["hopper", "walker2d", "halfcheetah", "ant", "inverted_pendulum", "inverted_double_pendulum", "reacher", "swimmer"];

    /// <summary>The classic-control tasks, then Gymnasium's MuJoCo v4 tasks (<see cref="MuJoCoIds"/>, initialised first).</summary>
    public static readonly IReadOnlyList<string> Ids = ["cartpole", "acrobot", "pendulum", "mountaincar_continuous", .. MuJoCoIds];

    public static IEnvironment Create(string id) => id?.ToLowerInvariant() switch
    {
        "cartpole" => new CartPole(),
        "acrobot" => new Acrobot(),
        "pendulum" => new Pendulum(),
        "mountaincar_continuous" => new MountainCarContinuous(),
        "hopper" => new Hopper(),
        "walker2d" => new Walker2d(),
        "halfcheetah" => new HalfCheetah(),
        "ant" => new Ant(),
        "inverted_pendulum" => new InvertedPendulum(),
        "inverted_double_pendulum" => new InvertedDoublePendulum(),
        "reacher" => new Reacher(),
        "swimmer" => new Swimmer(),
        _ => throw new ArgumentException($"Unknown environment '{id}' (known: {string.Join(", ", Ids)}).", nameof(id)),
    };
}
