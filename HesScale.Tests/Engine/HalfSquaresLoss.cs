using HesScale.Gpu;

namespace HesScale.Tests.Engine;

/// <summary>
/// A host-side loss L = sum y^2 / 2 over outputs y (batch, width): gradient y, diagonal 1. Runs
/// <paramref name="inside"/>, when given, while the pass is in progress (for the concurrent-use tests).
/// </summary>
internal sealed class HalfSquaresLoss(Action? inside = null) : IOutputLoss
{
    public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
    {
        inside?.Invoke();
        double sum = 0;
        for (int i = 0; i < outputs.Length; i++)
        {
            sum += 0.5 * outputs[i] * outputs[i];
            gradient[i] = outputs[i];
            hessianDiagonal[i] = 1f;
        }
        return sum;
    }
}
