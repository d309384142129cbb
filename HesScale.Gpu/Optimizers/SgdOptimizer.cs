using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Optimizers;

/// <summary>SGD with momentum and weight decay (PyTorch: buf = g on step 1, then mu buf + g; theta -= lr buf). Slot: momentum_buffer.</summary>
internal sealed class SgdOptimizer(Network network, OptimizerSettings settings)
    : Optimizer("sgd", network, settings, null, "momentum_buffer")
{
    private protected override void Update(TensorInputs[] inputs, long t)
    {
        var parameters = Network.Spec.Parameters;
        for (int p = 0; p < inputs.Length; p++)
        {
            var s = new SgdParameters
            {
                Length = parameters[p].Length,
                First = t == 1 ? 1 : 0,
                LearningRate = Settings.LearningRate,
                Momentum = Settings.Momentum,
                WeightDecay = Settings.WeightDecay,
            };
            Backend.SgdStep(Network.ParameterBuffer(p), inputs[p].Gradient, inputs[p].GradientOffset, Slot(0, p), s);
        }
    }
}
