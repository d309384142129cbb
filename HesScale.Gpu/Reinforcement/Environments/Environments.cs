namespace HesScale.Gpu.Reinforcement;

/// <summary>Creates environments by identifier.</summary>
public static class Environments
{
    /// <summary>cartpole, acrobot, pendulum, mountaincar_continuous.</summary>
    public static readonly IReadOnlyList<string> Ids = ["cartpole", "acrobot", "pendulum", "mountaincar_continuous"];

    public static IEnvironment Create(string id) => id?.ToLowerInvariant() switch
    {
        "cartpole" => new CartPole(),
        "acrobot" => new Acrobot(),
        "pendulum" => new Pendulum(),
        "mountaincar_continuous" => new MountainCarContinuous(),
        _ => throw new ArgumentException($"Unknown environment '{id}' (known: {string.Join(", ", Ids)}).", nameof(id)),
    };
}
