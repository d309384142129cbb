using HesScale.Gpu;

namespace HesScale.Bench.Reinforcement.Agents;

/// <summary>
/// Wraps a loss and keeps a copy of the network outputs (N x K) it was evaluated at, so the agent
/// can reuse the outputs of a backward pass instead of running the forward pass again. Forwards
/// <see cref="IOutputHessianProduct"/> (the inner loss's, or its diagonal for a separable one).
/// </summary>
internal sealed class CapturingLoss(IOutputLoss inner) : IOutputLoss, IOutputHessianProduct
{
    /// <summary>The outputs of the last evaluation (null before the first).</summary>
    public float[]? Outputs { get; private set; }

    public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
    {
        Outputs = outputs[..(batch * width)].ToArray();
        return inner.Evaluate(outputs, batch, width, gradient, hessianDiagonal);
    }

    public void HessianProduct(ReadOnlySpan<float> outputs, int batch, int width, ReadOnlySpan<float> v, Span<float> result)
    {
        if (inner is IOutputHessianProduct product)
        {
            product.HessianProduct(outputs, batch, width, v, result);
            return;
        }
        int plane = batch * width;
        var gradient = new float[plane];
        var diagonal = new float[plane];
        inner.Evaluate(outputs, batch, width, gradient, diagonal);
        for (int i = 0; i < plane; i++) result[i] = diagonal[i] * v[i];
    }
}
