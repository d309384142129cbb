namespace HesScale.Reference.Layers;

/// <summary>One parameter tensor of a layer: its name (weight | bias) and its dimensions, row-major (Linear O x I, Conv2d O x C x kh x kw, bias O).</summary>
public sealed record ParameterShape(string Name, params int[] Dimensions)
{
    /// <summary>The number of values.</summary>
    public int Length => Dimensions.Aggregate(1, (a, b) => checked(a * b));

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {string.Join('x', Dimensions)}";
}
