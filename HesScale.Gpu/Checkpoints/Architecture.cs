using System.Text;

namespace HesScale.Gpu.Checkpoints;

/// <summary>Canonical text of a network's layers, stored in checkpoints and compared on load.</summary>
public static class Architecture
{
    /// <summary>
    /// E.g. <c>linear(64,64,bias) tanh linear(64,10,bias)</c>; leaky ReLU carries its slope; a network on images starts with
    /// its input shape, e.g. <c>input(1x28x28) conv2d(1,16,k5x5,s1x1,p0x0,bias) relu max_pool2d(k2x2,s2x2,p0x0) flatten linear(2304,10,bias)</c>.
    /// </summary>
    public static string Describe(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = new StringBuilder();
        // An MLP's input is fixed by its first Linear layer; any other first layer needs the shape.
        if (!spec.Layers[0].IsLinear || !spec.InputShape.IsVector) text.Append($"input({spec.InputShape})");
        foreach (var layer in spec.LayerObjects)
        {
            if (text.Length > 0) text.Append(' ');
            text.Append(layer.ArchitectureText);
        }
        return text.ToString();
    }
}
