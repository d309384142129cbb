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
        foreach (var layer in spec.LayerObjects)
        {
            if (text.Length > 0) text.Append(' ');
            text.Append(layer.ArchitectureText);
        }
        return text.ToString();
    }
}
