namespace HesScale.Gpu.Model;

/// <summary>
/// One layer of a network. Linear layers carry their sizes, conv2d its channels and window, pools their
/// window; activations and flatten take their shape from the layer before them.
/// </summary>
public sealed record LayerSpec
{
    /// <summary>The layer type.</summary>
    public LayerKind Kind { get; }
    /// <summary>Linear: input width; Conv2d: input channels (not a width: see <see cref="NetworkSpec.InputSize"/>); 0 for activations, pools and flatten.</summary>
    public int In { get; }
    /// <summary>Linear: output width; Conv2d: output channels; 0 for activations, pools and flatten.</summary>
    public int Out { get; }
    /// <summary>Whether a Linear layer has a bias vector.</summary>
    public bool Bias { get; }
    /// <summary>Negative slope of LeakyReLU.</summary>
    public float Slope { get; }

    /// <summary>Kernel height (conv2d and pools; 0 otherwise).</summary>
    public int KernelH { get; }
    /// <summary>Kernel width (conv2d and pools; 0 otherwise).</summary>
    public int KernelW { get; }
    /// <summary>Vertical stride (conv2d and pools; 0 otherwise).</summary>
    public int StrideH { get; }
    /// <summary>Horizontal stride (conv2d and pools; 0 otherwise).</summary>
    public int StrideW { get; }
    /// <summary>Zero padding at the top and bottom (conv2d and pools).</summary>
    public int PadH { get; }
    /// <summary>Zero padding at the left and right (conv2d and pools).</summary>
    public int PadW { get; }

    private LayerSpec(LayerKind kind, int inSize, int outSize, bool bias, float slope,
        (int Kh, int Kw, int Sh, int Sw, int Ph, int Pw) window = default)
    {
        Kind = kind;
        In = inSize;
        Out = outSize;
        Bias = bias;
        Slope = slope;
        (KernelH, KernelW, StrideH, StrideW, PadH, PadW) = window;
    }

    /// <summary>Whether this is a Linear layer.</summary>
    public bool IsLinear => Kind == LayerKind.Linear;

    /// <summary>Whether this is an elementwise activation.</summary>
    public bool IsActivation => Kind < LayerKind.Conv2d && Kind != LayerKind.Linear;

    /// <summary>Whether this layer has a sliding window (conv2d, max_pool2d, avg_pool2d).</summary>
    public bool IsWindowed => Kind is LayerKind.Conv2d or LayerKind.MaxPool2d or LayerKind.AvgPool2d;

    /// <summary>
    /// A conv2d from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels with a
    /// <paramref name="kernelH"/> x <paramref name="kernelW"/> kernel (stride and zero padding on both axes;
    /// dilation 1, groups 1), with a bias unless <paramref name="bias"/> is false. In/Out hold the channels.
    /// Whether it fits its input is checked by <see cref="NetworkSpec"/>.
    /// </summary>
    public static LayerSpec Conv2d(int inChannels, int outChannels, int kernelH, int kernelW, int strideH = 1, int strideW = 1,
        int padH = 0, int padW = 0, bool bias = true)
    {
        if (inChannels <= 0 || outChannels <= 0)
            throw new ArgumentException($"conv2d: in_channels {inChannels} and out_channels {outChannels} must be positive.");
        return new LayerSpec(LayerKind.Conv2d, inChannels, outChannels, bias, 0f, CheckWindow("conv2d", kernelH, kernelW, strideH, strideW, padH, padW));
    }

    /// <summary>A max pool (PyTorch's MaxPool2d: floor mode, padding at most half the kernel); stride defaults to the kernel.</summary>
    public static LayerSpec MaxPool2d(int kernelH, int kernelW, int strideH = 0, int strideW = 0, int padH = 0, int padW = 0) =>
        Pool(LayerKind.MaxPool2d, kernelH, kernelW, strideH, strideW, padH, padW);

    /// <summary>An average pool (PyTorch's AvgPool2d with padded zeros counted); stride defaults to the kernel.</summary>
    public static LayerSpec AvgPool2d(int kernelH, int kernelW, int strideH = 0, int strideW = 0, int padH = 0, int padW = 0) =>
        Pool(LayerKind.AvgPool2d, kernelH, kernelW, strideH, strideW, padH, padW);

    /// <summary>Flattens C x H x W values to a vector of C*H*W (NCHW order).</summary>
    public static LayerSpec Flatten() => new(LayerKind.Flatten, 0, 0, false, 0f);

    private static LayerSpec Pool(LayerKind kind, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        string name = NameOf(kind);
        // PyTorch's pools default the stride to the kernel; an explicit 0 elsewhere is an error.
        var window = CheckWindow(name, kh, kw, sh == 0 && sw == 0 ? kh : sh, sh == 0 && sw == 0 ? kw : sw, ph, pw);
        if (2 * ph > kh || 2 * pw > kw)
            throw new ArgumentException($"{name}: padding {ph}x{pw} is more than half the kernel {kh}x{kw}.");
        return new LayerSpec(kind, 0, 0, false, 0f, window);
    }

    private static (int, int, int, int, int, int) CheckWindow(string name, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        if (kh <= 0 || kw <= 0) throw new ArgumentException($"{name}: kernel {kh}x{kw} must be positive.");
        if (sh <= 0 || sw <= 0) throw new ArgumentException($"{name}: stride {sh}x{sw} must be positive.");
        if (ph < 0 || pw < 0) throw new ArgumentException($"{name}: padding {ph}x{pw} must not be negative.");
        return (kh, kw, sh, sw, ph, pw);
    }

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
        if (kind >= LayerKind.Conv2d) throw new ArgumentException($"{kind} is not an activation: use LayerSpec.{kind}.", nameof(kind));
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
        LayerKind.Conv2d => "conv2d",
        LayerKind.MaxPool2d => "max_pool2d",
        LayerKind.AvgPool2d => "avg_pool2d",
        LayerKind.Flatten => "flatten",
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

    /// <summary>The layer as text, e.g. <c>Linear(3, 5)</c>, <c>Conv2d(1, 16, kernel 5x5, stride 1x1, padding 0x0)</c> or <c>Tanh</c>.</summary>
    public override string ToString() => Kind switch
    {
        LayerKind.Linear => $"Linear({In}, {Out}{(Bias ? "" : ", bias=false")})",
        LayerKind.LeakyReLU => $"LeakyReLU({Slope})",
        LayerKind.Conv2d => $"Conv2d({In}, {Out}, {WindowText}{(Bias ? "" : ", bias=false")})",
        LayerKind.MaxPool2d or LayerKind.AvgPool2d => $"{Kind}({WindowText})",
        _ => Kind.ToString(),
    };

    /// <summary>"kernel 3x3, stride 2x2, padding 1x1".</summary>
    internal string WindowText => $"kernel {KernelH}x{KernelW}, stride {StrideH}x{StrideW}, padding {PadH}x{PadW}";
}
