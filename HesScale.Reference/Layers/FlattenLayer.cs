namespace HesScale.Reference.Layers;

/// <summary>C x H x W -> (C*H*W) x 1 x 1 in NCHW order: a reshape, so A = I.</summary>
public sealed class FlattenLayer : RoutingLayer
{
    private readonly SparseMap _identity;

    /// <param name="input">Any shape.</param>
    public FlattenLayer(TensorShape input) : base("flatten", input, TensorShape.Vector(input.Size)) =>
        _identity = new SparseMap(input.Size, input.Size, Enumerable.Range(0, input.Size).Select(i => (i, i, 1.0)).ToArray());

    internal override SparseMap MapAt(ReadOnlySpan<double> x) => _identity;
}
