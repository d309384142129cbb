using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Gpu.Optimizers;

namespace HesScale.Bench.Reinforcement.Agents;

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
    /// Network.Backward result, plus AdaHessian (Hutchinson through the losses' exact output Hessian).
    /// AdaGGNMC needs a sampled output factor the RL losses do not define.
    /// </summary>
    public static IReadOnlyList<string> Names { get; } = Optimizer.Names.Where(n => n is not "adaggnmc").ToArray();

    public static INetworkOptimizer Create(string name, Network network, OptimizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Names.Contains(name.ToLowerInvariant()))
            throw new ArgumentException($"Optimizer '{name}' is not available for the RL agents (known: {string.Join(", ", Names)}).", nameof(name));
        var inner = Optimizer.Create(name, network, settings);
        return inner.RequiredEstimator is null ? new DeviceOptimizer(inner) : new EstimatorOptimizer(inner, network);
    }

    private class DeviceOptimizer(Optimizer inner) : INetworkOptimizer
    {
        protected Optimizer Inner => inner;
        public string Name => inner.Name;
        public CurvatureMethod[] RequiredCurvature => inner.RequiredCurvature;
        public float LastScale => inner.LastScale;
        public void Step(BackwardResult result) => inner.Step(result);
        public virtual void Dispose() => inner.Dispose();
    }

    /// <summary>AdaHessian: each step draws a fresh Hutchinson estimate (seed <see cref="Optimizer.NextSeed"/>) on the RL loss.</summary>
    private sealed class EstimatorOptimizer(Optimizer inner, Network network) : DeviceOptimizer(inner), INetworkOptimizer
    {
        private readonly CurvatureEstimator _estimator = new(network);

        public void Minimize(Network net, ReadOnlySpan<float> inputs, int batch, IOutputLoss loss)
        {
            if (!ReferenceEquals(net, network)) throw new ArgumentException($"Optimizer '{Name}' belongs to another network.", nameof(net));
            Inner.Step(_estimator.Estimate(inputs, batch, loss, Inner.RequiredEstimator!, Inner.Settings.Samples, Inner.NextSeed));
        }

        public override void Dispose()
        {
            _estimator.Dispose();
            base.Dispose();
        }
    }
}
