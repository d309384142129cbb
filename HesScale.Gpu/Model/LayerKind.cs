namespace HesScale.Gpu.Model;

/// <summary>The layer types a <see cref="NetworkSpec"/> can hold.</summary>
public enum LayerKind
{
    /// <summary>Affine map <c>a = h W^T + b</c>, W is out x in (PyTorch layout).</summary>
    Linear,
    /// <summary>tanh(a).</summary>
    Tanh,
    /// <summary>1 / (1 + e^-a).</summary>
    Sigmoid,
    /// <summary>max(a, 0).</summary>
    ReLU,
    /// <summary>max(a, slope a); slope defaults to 0.01 like PyTorch.</summary>
    LeakyReLU,
    /// <summary>ELU with alpha = 1.</summary>
    ELU,
    /// <summary>SELU with PyTorch's constants.</summary>
    SELU,
    /// <summary>log(1 + e^a) (beta 1, threshold 20 like PyTorch).</summary>
    Softplus,
    /// <summary>a (unchanged).</summary>
    Identity,
    // Image layers come after the activations: kernels take an activation's kind as an int.
    /// <summary>PyTorch's Conv2d (cross-correlation, zero padding, dilation 1, groups 1) on C x H x W values.</summary>
    Conv2d,
    /// <summary>PyTorch's MaxPool2d (floor mode, padding counts as -inf).</summary>
    MaxPool2d,
    /// <summary>PyTorch's AvgPool2d (floor mode, padded zeros counted).</summary>
    AvgPool2d,
    /// <summary>C x H x W -> (C*H*W) in NCHW order: a reshape.</summary>
    Flatten,
}
