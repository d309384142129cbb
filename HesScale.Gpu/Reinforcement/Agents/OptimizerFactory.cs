using HesScale.Gpu.Optimizers;

namespace HesScale.Gpu.Reinforcement;

/// <summary>
/// Builds the per-network optimizer the agents use: the device optimizers of
/// <see cref="Optimizer.Create"/> behind <see cref="INetworkOptimizer"/>.
/// </summary>
public static class OptimizerFactory
{
    /// <summary>The optimizers the RL step-size study compares.</summary>
    public static readonly IReadOnlyList<string> StudyNames = ["adam", "scaled_adam", "adahesscale", "scaled_adahesscale"];

    /// <summary>
    /// Every optimizer usable with the RL losses: those of <see cref="Optimizer.Names"/> that step from a
    /// Network.Backward result (AdaHessian and AdaGGNMC need a LossSpec-based curvature estimator instead).
    /// </summary>
    public static IReadOnlyList<string> Names { get; } = Optimizer.Names.Where(n => n is not ("adahessian" or "adaggnmc")).ToArray();

    public static INetworkOptimizer Create(string name, Network network, OptimizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Names.Contains(name.ToLowerInvariant()))
            throw new ArgumentException($"Optimizer '{name}' is not available for the RL agents (known: {string.Join(", ", Names)}).", nameof(name));
        return new DeviceOptimizer(Optimizer.Create(name, network, settings));
    }

    private sealed class DeviceOptimizer(Optimizer inner) : INetworkOptimizer
    {
        public string Name => inner.Name;
        public CurvatureMethods RequiredCurvature => inner.RequiredCurvature;
        public float LastScale => inner.LastScale;
        public void Step(BackwardResult result) => inner.Step(result);
        public void Dispose() => inner.Dispose();
    }
}
