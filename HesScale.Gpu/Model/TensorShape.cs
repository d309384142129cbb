namespace HesScale.Gpu.Model;

/// <summary>
/// The shape of one sample's values between layers: C x H x W, stored in NCHW order (index
/// c*H*W + h*W + w). A plain vector of n features is n x 1 x 1 (what Linear layers and
/// activations of an MLP carry).
/// </summary>
/// <param name="Channels">C.</param>
/// <param name="Height">H.</param>
/// <param name="Width">W.</param>
public readonly record struct TensorShape(int Channels, int Height, int Width)
{
    /// <summary>C*H*W, the length of one sample's row.</summary>
    public int Size => checked(Channels * Height * Width);

    /// <summary>True for n x 1 x 1.</summary>
    public bool IsVector => Height == 1 && Width == 1;

    /// <summary>A vector of <paramref name="n"/> features, n x 1 x 1.</summary>
    public static TensorShape Vector(int n) => new(n, 1, 1);

    /// <inheritdoc/>
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}
