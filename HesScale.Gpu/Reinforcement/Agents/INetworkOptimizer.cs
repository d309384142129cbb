namespace HesScale.Gpu.Reinforcement;

/// <summary>
/// What an agent needs from an optimizer for one network: which curvature the backward pass
/// must compute, and a step from that pass. <see cref="OptimizerFactory"/> builds these.
/// </summary>
public interface INetworkOptimizer : IDisposable
{
    string Name { get; }
    CurvatureMethods RequiredCurvature { get; }
    /// <summary>Step-size scale alpha of the last step (1 for unscaled optimizers).</summary>
    float LastScale { get; }
    /// <summary>Updates the network's parameters from the latest backward pass.</summary>
    void Step(BackwardResult result);
}
