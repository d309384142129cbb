namespace HesScale.Gpu.Model;

/// <summary>
/// An <see cref="IOutputLoss"/> whose full output Hessian d2L/dy2 (per sample K x K, not only its
/// diagonal) can multiply a vector: used by the Hutchinson estimator (AdaHessian) for losses whose
/// Hessian couples outputs (softmax, PPO's ratio). Losses without it are taken as separable: their
/// diagonal is the whole Hessian.
/// </summary>
public interface IOutputHessianProduct
{
    /// <summary>Writes (d2L/dy2) v for a batch (outputs, v and result N x K row-major).</summary>
    void HessianProduct(ReadOnlySpan<float> outputs, int batch, int width, ReadOnlySpan<float> v, Span<float> result);
}
