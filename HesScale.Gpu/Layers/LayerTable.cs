namespace HesScale.Gpu.Layers;

/// <summary>The one place that maps a layer kind to its type: a new kind adds its line here.</summary>
internal static class LayerTable
{
    /// <summary>
    /// The layer object for <paramref name="spec"/> at position <paramref name="index"/>, fed values of
    /// shape <paramref name="input"/>; throws <see cref="ArgumentException"/> naming the layer when the shape does not fit.
    /// </summary>
    public static Layer Create(LayerSpec spec, int index, int firstParameter, TensorShape input) => spec.Kind switch
    {
        LayerKind.Linear => new LinearLayer(spec, index, firstParameter, input),
        LayerKind.Conv2d => new Conv2dLayer(spec, index, firstParameter, input),
        LayerKind.MaxPool2d or LayerKind.AvgPool2d => new Pool2dLayer(spec, index, firstParameter, input),
        LayerKind.Flatten => new FlattenLayer(spec, index, firstParameter, input),
        _ => new ActivationLayer(spec, index, firstParameter, input),
    };
}
