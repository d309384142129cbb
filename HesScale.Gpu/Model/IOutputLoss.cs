namespace HesScale.Gpu.Model;

/// <summary>
/// A loss evaluated on the host from the network outputs (N x K), for objectives that
/// <see cref="LossSpec"/> does not cover (policy-gradient, Gaussian and PPO losses). It supplies
/// dL/dy and the exact diagonal of d2L/dy2; <see cref="Network.Backward(ReadOnlySpan{float}, int, IOutputLoss, ReadOnlySpan{CurvatureMethod})"/>
/// starts every curvature channel from that diagonal (BL89 has no separate output approximation here).
/// </summary>
public interface IOutputLoss
{
    /// <summary>
    /// Returns the loss for a batch of <paramref name="outputs"/> (N x K row-major) and writes
    /// the gradient and the Hessian diagonal with respect to the outputs (both N x K).
    /// </summary>
    double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal);
}
