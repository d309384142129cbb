using HesScale.Gpu.Optimizers;
namespace HesScale.Gpu.Reinforcement;

/// <summary>A2C or PPO.</summary>
public enum RlAlgorithm
{
    /// <summary>Advantage actor-critic: n-step returns, one gradient step per rollout.</summary>
    A2C,
    /// <summary>PPO: clipped ratio objective, GAE(lambda), several epochs of mini-batches per rollout.</summary>
    Ppo,
}

/// <summary>Hyper-parameters of an actor-critic run. Defaults follow common PPO settings for classic control.</summary>
public sealed record AgentSettings
{
    public string Environment { get; init; } = "cartpole";
    public RlAlgorithm Algorithm { get; init; } = RlAlgorithm.Ppo;
    /// <summary>Optimizer of the policy networks (mean and variance networks for continuous actions).</summary>
    public string Optimizer { get; init; } = "adahesscale";
    /// <summary>Optimizer of the value network; null: the same as <see cref="Optimizer"/>.</summary>
    public string? ValueOptimizer { get; init; }
    /// <summary>Settings of the value network's optimizer; null: the same as <see cref="OptimizerSettings"/>.</summary>
    public OptimizerSettings? ValueOptimizerSettings { get; init; }
    /// <summary>Per-network optimizer settings; RL defaults use delta = 1e-8 for step-size scaling (the paper's RL value).</summary>
    public OptimizerSettings OptimizerSettings { get; init; } = OptimizerDefaults(3e-4f);

    /// <summary>Adam defaults with learning rate <paramref name="lr"/> and delta = 1e-8.</summary>
    public static OptimizerSettings OptimizerDefaults(float lr) => new() { LearningRate = lr, Delta = 1e-8f };
    public int Seed { get; init; }
    /// <summary>Environment copies stepped together.</summary>
    public int Environments { get; init; } = 4;
    /// <summary>Steps per copy per rollout (PPO: 128; A2C: n of the n-step return, 5).</summary>
    public int RolloutSteps { get; init; } = 128;
    public int Epochs { get; init; } = 4;
    public int Minibatches { get; init; } = 4;
    public float Gamma { get; init; } = 0.99f;
    /// <summary>GAE lambda (PPO); A2C uses 1 (plain n-step returns).</summary>
    public float Lambda { get; init; } = 0.95f;
    public float ClipEpsilon { get; init; } = 0.2f;
    public int Hidden { get; init; } = 64;
    public bool NormalizeObservations { get; init; } = true;
    public bool NormalizeAdvantages { get; init; } = true;
    /// <summary>Divide rewards by the running standard deviation of the discounted return.</summary>
    public bool ScaleRewards { get; init; }
    /// <summary>Variance floor of the Gaussian policy (var = softplus(z) + MinVariance).</summary>
    public float MinVariance { get; init; } = 1e-3f;
    /// <summary>Initial bias of the variance network's output (softplus(-0.55) ~ 0.45: std ~ 0.7 before the floor).</summary>
    public float InitialVarianceBias { get; init; }

    /// <summary>Defaults for A2C: 8 copies, 5-step returns, one step per rollout, no advantage normalisation.</summary>
    public static AgentSettings A2CDefaults(string environment) => new()
    {
        Environment = environment, Algorithm = RlAlgorithm.A2C, Environments = 8, RolloutSteps = 5, Epochs = 1, Minibatches = 1,
        Lambda = 1f, NormalizeAdvantages = false,
        OptimizerSettings = OptimizerDefaults(7e-4f),
    };

    /// <summary>PPO defaults per environment (continuous tasks: 1 copy x 2048 steps, 10 epochs of 32 mini-batches, reward scaling).</summary>
    public static AgentSettings PpoDefaults(string environment) => environment switch
    {
        "pendulum" => new()
        {
            Environment = environment, Environments = 4, RolloutSteps = 512, Epochs = 10, Minibatches = 32, Gamma = 0.9f, Lambda = 0.95f,
            ScaleRewards = true, OptimizerSettings = OptimizerDefaults(1e-3f),
        },
        "mountaincar_continuous" => new()
        {
            Environment = environment, Environments = 1, RolloutSteps = 2048, Epochs = 10, Minibatches = 32, ScaleRewards = true,
        },
        "acrobot" => new() { Environment = environment, Environments = 4, RolloutSteps = 128, Epochs = 4, Minibatches = 4 },
        _ => new() { Environment = environment, OptimizerSettings = OptimizerDefaults(1e-3f) },
    };

    public static AgentSettings Defaults(string environment, RlAlgorithm algorithm) =>
        algorithm == RlAlgorithm.A2C ? A2CDefaults(environment) : PpoDefaults(environment);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (!Reinforcement.Environments.Ids.Contains(Environment))
            throw new ArgumentException($"Unknown environment '{Environment}' (known: {string.Join(", ", Reinforcement.Environments.Ids)}).", nameof(Environment));
        OptimizerSettings.Validate();
        ValueOptimizerSettings?.Validate();
        if (Environments <= 0) throw new ArgumentOutOfRangeException(nameof(Environments), Environments, "Must be positive.");
        if (RolloutSteps <= 0) throw new ArgumentOutOfRangeException(nameof(RolloutSteps), RolloutSteps, "Must be positive.");
        if (Epochs <= 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Must be positive.");
        if (Minibatches <= 0 || Minibatches > Environments * RolloutSteps)
            throw new ArgumentOutOfRangeException(nameof(Minibatches), Minibatches, $"Must lie in [1, {Environments * RolloutSteps}] (samples per rollout).");
        if (!(Gamma > 0 && Gamma <= 1)) throw new ArgumentOutOfRangeException(nameof(Gamma), Gamma, "Must lie in (0, 1].");
        if (!(Lambda >= 0 && Lambda <= 1)) throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, "Must lie in [0, 1].");
        if (!(ClipEpsilon > 0 && ClipEpsilon < 1)) throw new ArgumentOutOfRangeException(nameof(ClipEpsilon), ClipEpsilon, "Must lie in (0, 1).");
        if (Hidden <= 0) throw new ArgumentOutOfRangeException(nameof(Hidden), Hidden, "Must be positive.");
        if (!(MinVariance > 0) || !float.IsFinite(MinVariance)) throw new ArgumentOutOfRangeException(nameof(MinVariance), MinVariance, "Must be positive and finite.");
        if (!float.IsFinite(InitialVarianceBias)) throw new ArgumentOutOfRangeException(nameof(InitialVarianceBias), InitialVarianceBias, "Must be finite.");
    }
}
