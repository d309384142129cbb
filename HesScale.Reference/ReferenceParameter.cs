namespace HesScale.Reference;

/// <summary>One parameter tensor of a <see cref="ReferenceNetwork"/>: its index in the parameter list, its layer, its name and shape.</summary>
public sealed record ReferenceParameter(int Index, int LayerIndex, string Name, int[] Dimensions)
{
    /// <summary>The number of values.</summary>
    public int Length => Dimensions.Aggregate(1, (a, b) => checked(a * b));

    /// <summary>"3x2x3x3".</summary>
    public string ShapeText => string.Join('x', Dimensions);
}
