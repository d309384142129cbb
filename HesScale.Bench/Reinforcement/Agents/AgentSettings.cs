using HesScale.Bench.Reinforcement.Environments;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Reinforcement;

namespace HesScale.Bench.Reinforcement.Agents;

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
    /// <summary>Per-network optimizer settings; RL defaults use delta = 1e-8 and eps = 1e-5 (the official RL code's values, mujoco.md 4.2).</summary>
    public OptimizerSettings OptimizerSettings { get; init; } = OptimizerDefaults(3e-4f);

    /// <summary>Adam defaults with learning rate <paramref name="lr"/>, delta = 1e-8 and eps = 1e-5 (the official RL values).</summary>
    public static OptimizerSettings OptimizerDefaults(float lr) => new() { LearningRate = lr, Delta = 1e-8f, Epsilon = 1e-5f };
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
    /// <summary>Variance floor of the Gaussian policy (softplus: var = softplus(z) + MinVariance; exp: max(e^z, MinVariance) in value only).</summary>
    public float MinVariance { get; init; } = 1e-3f;
    /// <summary>Initial bias of the variance network's output layer (0: var = softplus(0) + MinVariance ~ 0.69); used by <see cref="InitializationScheme.ScaledOutput"/>.</summary>
    public float InitialVarianceBias { get; init; }
    /// <summary>The variance network's output transform: ours (softplus) or the official exp.</summary>
    public VarianceKind VarianceTransform { get; init; } = VarianceKind.Softplus;
    /// <summary>Hidden tanh layers of the variance network (ours 2; the official code's 1).</summary>
    public int VarianceHiddenLayers { get; init; } = 2;
    /// <summary>Sign of the Gaussian policy losses' output-Hessian diagonal handed to HesScale (ours: the true sign).</summary>
    public HessianSign HessianSign { get; init; } = HessianSign.True;
    public InitializationScheme Initialization { get; init; } = InitializationScheme.ScaledOutput;
    /// <summary>Clip continuous actions to the action bounds before they reach the environment (gym's ClipAction); the loss keeps the sampled action.</summary>
    public bool ClipActions { get; init; }
    /// <summary>Clip (scaled) rewards to +-RewardClip; 0 = no clipping.</summary>
    public float RewardClip { get; init; }
    /// <summary>End a rollout early when the (single) environment's episode ends, as the official A2C (update at done or after n steps). Needs Environments = 1.</summary>
    public bool EndRolloutOnDone { get; init; }
    /// <summary>A2C's Gaussian losses average over the N x D elements (the official A2C) instead of summing over the D action dims.</summary>
    public bool AverageOverActions { get; init; }
    /// <summary>Append the official A2C's time feature (-0.5 + (k - 1)/T) to every observation.</summary>
    public bool TimeFeature { get; init; }
    /// <summary>Bootstrap time-limit truncations with gamma V(final observation); false treats them as terminal (gym 0.21, the official code).</summary>
    public bool BootstrapTimeLimits { get; init; } = true;

    /// <summary>The variance transform the losses use.</summary>
    public VarianceTransform Variance => VarianceTransform == VarianceKind.Exp
        ? Gpu.Reinforcement.Losses.VarianceTransform.Exp(MinVariance)
        : Gpu.Reinforcement.Losses.VarianceTransform.Softplus(MinVariance);

    /// <summary>Preset names accepted by <see cref="Preset"/>.</summary>
    public static readonly IReadOnlyList<string> Presets = ["classic", "official"];

    /// <summary>
    /// "classic": <see cref="Defaults"/> (tuned for classic control). "official": the official HesScale RL setup
    /// for continuous control (<see cref="Official"/>).
    /// </summary>
    public static AgentSettings Preset(string preset, string environment, RlAlgorithm algorithm) => preset switch
    {
        "classic" => Defaults(environment, algorithm),
        "official" => Official(environment, algorithm),
        _ => throw new ArgumentException($"Unknown preset '{preset}' (known: {string.Join(", ", Presets)}).", nameof(preset)),
    };

    /// <summary>
    /// The official HesScale RL setup (mujoco.md 4.3-4.5). PPO: CleanRL's continuous-action defaults, one
    /// environment, 2048 steps per rollout, 32 mini-batches, 10 epochs, clip 0.2, GAE 0.95, gamma 0.99,
    /// per-mini-batch advantage normalisation, observation normalisation (clip 10) and reward scaling
    /// (clip 10), orthogonal initialisation. A2C: one environment, 5-step returns (a rollout also ends with its episode), no advantage
    /// normalisation, the AddTimeInfo observation feature, the same normalisers, PyTorch default initialisation. Both: separate mean, variance
    /// (one hidden layer, exp output) and critic networks with one optimizer each, actions clipped to the
    /// bounds before the environment, time-outs terminal, eps 1e-5, delta 1e-8; lr 3e-4 unless given.
    /// </summary>
    public static AgentSettings Official(string environment, RlAlgorithm algorithm)
    {
        var common = new AgentSettings
        {
            Environment = environment, Algorithm = algorithm, Environments = 1, Gamma = 0.99f, Hidden = 64,
            NormalizeObservations = true, ScaleRewards = true, RewardClip = 10, ClipActions = true, BootstrapTimeLimits = false,
            VarianceTransform = VarianceKind.Exp, VarianceHiddenLayers = 1, OptimizerSettings = OptimizerDefaults(3e-4f),
        };
        return algorithm == RlAlgorithm.A2C
            ? common with
            {
                RolloutSteps = 5, Epochs = 1, Minibatches = 1, Lambda = 1f, NormalizeAdvantages = false, TimeFeature = true, EndRolloutOnDone = true, AverageOverActions = true,
                MinVariance = 1e-6f, // v' = max(v, 1e-6) in the A2C losses
                Initialization = InitializationScheme.PyTorchDefault,
            }
            : common with
            {
                RolloutSteps = 2048, Epochs = 10, Minibatches = 32, Lambda = 0.95f, ClipEpsilon = 0.2f, NormalizeAdvantages = true,
                MinVariance = 1e-16f, // sigma = max(sqrt(v), 1e-8)
                Initialization = InitializationScheme.Orthogonal,
            };
    }

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
        if (!EnvironmentRegistry.Ids.Contains(Environment))
            throw new ArgumentException($"Unknown environment '{Environment}' (known: {string.Join(", ", EnvironmentRegistry.Ids)}).", nameof(Environment));
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
        if (!Enum.IsDefined(VarianceTransform)) throw new ArgumentOutOfRangeException(nameof(VarianceTransform), VarianceTransform, "Unknown variance transform.");
        if (!Enum.IsDefined(HessianSign)) throw new ArgumentOutOfRangeException(nameof(HessianSign), HessianSign, "Unknown Hessian sign.");
        if (!Enum.IsDefined(Initialization)) throw new ArgumentOutOfRangeException(nameof(Initialization), Initialization, "Unknown initialization.");
        if (EndRolloutOnDone && Environments != 1) throw new ArgumentOutOfRangeException(nameof(EndRolloutOnDone), EndRolloutOnDone, "Ending rollouts at episode ends needs Environments = 1.");
        if (VarianceHiddenLayers is < 1 or > 2) throw new ArgumentOutOfRangeException(nameof(VarianceHiddenLayers), VarianceHiddenLayers, "Must be 1 or 2.");
        if (!(RewardClip >= 0) || !float.IsFinite(RewardClip)) throw new ArgumentOutOfRangeException(nameof(RewardClip), RewardClip, "Must be >= 0 and finite (0 = off).");
    }
}
