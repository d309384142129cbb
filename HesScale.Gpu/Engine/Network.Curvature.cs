using HesScale.Gpu.Engine;
using HesScale.Gpu.Layers;

namespace HesScale.Gpu.Engine;

/// <summary>Read access to the last pass's device values for <see cref="Curvature.CurvatureEstimator"/>.</summary>
public sealed partial class Network
{
    private Workspace CurrentWorkspace => _workspace ?? throw new InvalidOperationException("No pass has run on this network yet.");

    /// <summary>The network input (N, in) of the last pass.</summary>
    internal DeviceBuffer InputValues => CurrentWorkspace.Input;

    /// <summary>The output of layer <paramref name="layer"/> (N, Widths[layer]) of the last pass.</summary>
    internal DeviceBuffer LayerValues(int layer) => CurrentWorkspace.Values[layer];

    /// <summary>The input of layer <paramref name="layer"/>: the network input for layer 0, else the previous layer's output.</summary>
    internal DeviceBuffer LayerInput(int layer) => layer == 0 ? InputValues : LayerValues(layer - 1);

    /// <summary>
    /// dL/d(output of layer <paramref name="layer"/>) of the last Backward: the first N * Widths[layer]
    /// values (channel 0 of that layer's stack), laid out (N, Widths[layer]).
    /// </summary>
    internal DeviceBuffer LayerGradient(int layer) => CurrentWorkspace.Stacks[layer];

    /// <summary>The parameter tensors of <paramref name="layer"/> on the device, in its parameter order.</summary>
    internal ReadOnlySpan<DeviceBuffer> LayerParameters(Layer layer) => TensorsOf(_parameters, layer);
}
