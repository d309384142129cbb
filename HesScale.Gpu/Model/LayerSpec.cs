namespace HesScale.Gpu;

/// <summary>
/// One layer of a multilayer perceptron. Linear layers carry their sizes; activations
/// take their width from the layer before them.
/// </summary>
public sealed record LayerSpec
{
    /// <summary>The layer type.</summary>
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

    /// <summary>Whether this is a Linear layer (it has parameters).</summary>
    public bool IsLinear => Kind == LayerKind.Linear;

    /// <summary>A Linear layer from <paramref name="inSize"/> to <paramref name="outSize"/> features, with a bias unless <paramref name="bias"/> is false.</summary>
    public static LayerSpec Linear(int inSize, int outSize, bool bias = true)
    {
        if (inSize <= 0) throw new ArgumentOutOfRangeException(nameof(inSize), inSize, "Linear input width must be positive.");
        if (outSize <= 0) throw new ArgumentOutOfRangeException(nameof(outSize), outSize, "Linear output width must be positive.");
        return new LayerSpec(LayerKind.Linear, inSize, outSize, bias, 0f);
    }

    /// <summary>An activation of <paramref name="kind"/> (not Linear); <paramref name="slope"/> is used by LeakyReLU only.</summary>
    public static LayerSpec Activation(LayerKind kind, float slope = 0.01f)
    {
        if (kind == LayerKind.Linear) throw new ArgumentException("Use LayerSpec.Linear for linear layers.", nameof(kind));
        if (!float.IsFinite(slope)) throw new ArgumentOutOfRangeException(nameof(slope), slope, "LeakyReLU slope must be finite.");
        return new LayerSpec(kind, 0, 0, false, kind == LayerKind.LeakyReLU ? slope : 0f);
    }

    /// <summary>A tanh activation.</summary>
    public static LayerSpec Tanh() => Activation(LayerKind.Tanh);
    /// <summary>A sigmoid activation.</summary>
    public static LayerSpec Sigmoid() => Activation(LayerKind.Sigmoid);
    /// <summary>A ReLU activation.</summary>
    public static LayerSpec ReLU() => Activation(LayerKind.ReLU);
    /// <summary>A LeakyReLU activation with negative slope <paramref name="slope"/>.</summary>
    public static LayerSpec LeakyReLU(float slope = 0.01f) => Activation(LayerKind.LeakyReLU, slope);
    /// <summary>An ELU activation (alpha 1).</summary>
    public static LayerSpec ELU() => Activation(LayerKind.ELU);
    /// <summary>A SELU activation.</summary>
    public static LayerSpec SELU() => Activation(LayerKind.SELU);
    /// <summary>A softplus activation.</summary>
    public static LayerSpec Softplus() => Activation(LayerKind.Softplus);
    /// <summary>An identity activation.</summary>
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

    /// <summary>The layer as text, e.g. <c>Linear(3, 5)</c> or <c>Tanh</c>.</summary>
    public override string ToString() => IsLinear
        ? $"Linear({In}, {Out}{(Bias ? "" : ", bias=false")})"
        : Kind == LayerKind.LeakyReLU ? $"LeakyReLU({Slope})" : Kind.ToString();
}
