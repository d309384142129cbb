using HesScale.Gpu;

namespace HesScale.Bench.Reinforcement.Agents;

/// <summary>
/// What an agent needs from an optimizer for one network: which curvature the backward pass
/// must compute, and a step from that pass. <see cref="OptimizerFactory"/> builds these.
/// </summary>
public interface INetworkOptimizer : IDisposable
{
    /// <summary>Optimizer identifier.</summary>
    string Name { get; }
    /// <summary>The fused methods to pass to <c>Network.Backward</c> (empty when the optimizer needs none).</summary>
    CurvatureMethod[] RequiredCurvature { get; }
    /// <summary>Step-size scale alpha of the last step (1 for unscaled optimizers).</summary>
    float LastScale { get; }
    /// <summary>Updates the network's parameters from the latest backward pass.</summary>
    void Step(BackwardResult result);

    /// <summary>
    /// One step on <paramref name="loss"/> at <paramref name="inputs"/> (batch x in): runs the backward
    /// pass this optimizer needs on <paramref name="network"/> (its own), then steps. Estimator-based
    /// optimizers (AdaHessian) override this with their own pass.
    /// </summary>
    void Minimize(Network network, ReadOnlySpan<float> inputs, int batch, IOutputLoss loss)
    {
        ArgumentNullException.ThrowIfNull(network);
        Step(network.Backward(inputs, batch, loss, RequiredCurvature));
    }
}
