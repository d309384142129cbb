using System.Collections.Immutable;

namespace HesScale.Gpu;

/// <summary>Hessian-diagonal estimates the fused backward pass can produce next to the gradient.</summary>
[Flags]
public enum CurvatureMethods
{
    /// <summary>No curvature: the gradient only.</summary>
    None = 0,
    /// <summary>HesScale: exact loss-Hessian diagonal at the output, diagonal recursion with the s''(a) g term.</summary>
    HesScale = 1,
    /// <summary>HesScaleGN: HesScale without the s''(a) g term (Gauss-Newton).</summary>
    HesScaleGN = 2,
    /// <summary>Becker and LeCun 1989: like HesScale, but the output Hessian is approximated too (method.md).</summary>
    BL89 = 4,
}

/// <summary>The single curvature methods, their storage order and their identifiers.</summary>
public static class CurvatureMethodNames
{
    /// <summary>Single methods in the fixed order the engine stores them (immutable: the order is the storage layout).</summary>
    public static ImmutableArray<CurvatureMethods> All { get; } = [CurvatureMethods.HesScale, CurvatureMethods.HesScaleGN, CurvatureMethods.BL89];

    /// <summary>File and command-line identifier: "hesscale", "hesscale_gn", "bl89".</summary>
    public static string Name(CurvatureMethods single) => single switch
    {
        CurvatureMethods.HesScale => "hesscale",
        CurvatureMethods.HesScaleGN => "hesscale_gn",
        CurvatureMethods.BL89 => "bl89",
        _ => throw new ArgumentException($"'{single}' is not a single curvature method.", nameof(single)),
    };

    /// <summary>Parses an identifier of <see cref="Name"/> (case ignored); false for anything else.</summary>
    public static bool TryParse(string name, out CurvatureMethods single)
    {
        foreach (var m in All)
        {
            if (string.Equals(Name(m), name, StringComparison.OrdinalIgnoreCase))
            {
                single = m;
                return true;
            }
        }
        single = CurvatureMethods.None;
        return false;
    }

    /// <summary>The single methods contained in a set, in storage order.</summary>
    public static IEnumerable<CurvatureMethods> Split(CurvatureMethods set) => All.Where(m => (set & m) != 0);
}
