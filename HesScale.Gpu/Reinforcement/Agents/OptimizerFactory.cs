namespace HesScale.Gpu.Reinforcement;

/// <summary>Builds the per-network optimizer the agents use, by name.</summary>
public static class OptimizerFactory
{
    /// <summary>The optimizers the RL study compares.</summary>
    public static IReadOnlyList<string> Names => HostAdaptiveOptimizer.Names;

    public static INetworkOptimizer Create(string name, Network network, RlOptimizerSettings settings) =>
        new HostAdaptiveOptimizer(name, network, settings);
}
