using System.Globalization;
using System.Text;

namespace HesScale.Gpu.Checkpoints;

/// <summary>Canonical text of a network's layers, stored in checkpoints and compared on load.</summary>
public static class Architecture
{
    /// <summary>E.g. <c>linear(64,64,bias) tanh linear(64,10,bias)</c>; leaky ReLU carries its slope.</summary>
    public static string Describe(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var text = new StringBuilder();
        foreach (var layer in spec.Layers)
        {
            if (text.Length > 0) text.Append(' ');
            if (layer.IsLinear)
                text.Append(CultureInfo.InvariantCulture, $"linear({layer.In},{layer.Out},{(layer.Bias ? "bias" : "nobias")})");
            else if (layer.Kind == LayerKind.LeakyReLU)
                text.Append(CultureInfo.InvariantCulture, $"{LayerSpec.NameOf(layer.Kind)}({layer.Slope:R})");
            else
                text.Append(LayerSpec.NameOf(layer.Kind));
        }
        return text.ToString();
    }
}
