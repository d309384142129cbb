namespace HesScale.Gpu;

/// <summary>
/// One layer of a multilayer perceptron. Linear layers carry their sizes; activations
/// take their width from the layer before them.
/// </summary>
public sealed record LayerSpec
{
    public LayerKind Kind { get; }
    /// <summary>Input width (Linear only; 0 for activations).</summary>
    public int In { get; }
    /// <summary>Output width (Linear only; 0 for activations).</summary>
    public int Out { get; }
    /// <summary>Whether a Linear layer has a bias vector.</summary>
    public bool Bias { get; }
    /// <summary>Negative slope of LeakyReLU.</summary>
    public float Slope { get; }

    private LayerSpec(LayerKind kind, int inSize, int outSize, bool bias, float slope)
    {
        Kind = kind;
        In = inSize;
        Out = outSize;
        Bias = bias;
        Slope = slope;
    }

    public bool IsLinear => Kind == LayerKind.Linear;

    public static LayerSpec Linear(int inSize, int outSize, bool bias = true)
    {
        if (inSize <= 0) throw new ArgumentOutOfRangeException(nameof(inSize), inSize, "Linear input width must be positive.");
        if (outSize <= 0) throw new ArgumentOutOfRangeException(nameof(outSize), outSize, "Linear output width must be positive.");
        return new LayerSpec(LayerKind.Linear, inSize, outSize, bias, 0f);
    }

    public static LayerSpec Activation(LayerKind kind, float slope = 0.01f)
    {
        if (kind == LayerKind.Linear) throw new ArgumentException("Use LayerSpec.Linear for linear layers.", nameof(kind));
        if (!float.IsFinite(slope)) throw new ArgumentOutOfRangeException(nameof(slope), slope, "LeakyReLU slope must be finite.");
        return new LayerSpec(kind, 0, 0, false, kind == LayerKind.LeakyReLU ? slope : 0f);
    }

    public static LayerSpec Tanh() => Activation(LayerKind.Tanh);
    public static LayerSpec Sigmoid() => Activation(LayerKind.Sigmoid);
    public static LayerSpec ReLU() => Activation(LayerKind.ReLU);
    public static LayerSpec LeakyReLU(float slope = 0.01f) => Activation(LayerKind.LeakyReLU, slope);
    public static LayerSpec ELU() => Activation(LayerKind.ELU);
    public static LayerSpec SELU() => Activation(LayerKind.SELU);
    public static LayerSpec Softplus() => Activation(LayerKind.Softplus);
    public static LayerSpec Identity() => Activation(LayerKind.Identity);

    /// <summary>The identifier used in case files and on the command line ("linear", "tanh", "leaky_relu", ...).</summary>
    public static string NameOf(LayerKind kind) => kind switch
    {
        LayerKind.Linear => "linear",
        LayerKind.Tanh => "tanh",
        LayerKind.Sigmoid => "sigmoid",
        LayerKind.ReLU => "relu",
        LayerKind.LeakyReLU => "leaky_relu",
        LayerKind.ELU => "elu",
        LayerKind.SELU => "selu",
        LayerKind.Softplus => "softplus",
        LayerKind.Identity => "identity",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown layer kind."),
    };

    /// <summary>Parses an identifier of <see cref="NameOf"/>; false for unknown names.</summary>
    public static bool TryParseKind(string name, out LayerKind kind)
    {
        foreach (var k in Enum.GetValues<LayerKind>())
        {
            if (string.Equals(NameOf(k), name, StringComparison.OrdinalIgnoreCase))
            {
                kind = k;
                return true;
            }
        }
        kind = default;
        return false;
    }

    public override string ToString() => IsLinear
        ? $"Linear({In}, {Out}{(Bias ? "" : ", bias=false")})"
        : Kind == LayerKind.LeakyReLU ? $"LeakyReLU({Slope})" : Kind.ToString();
}
