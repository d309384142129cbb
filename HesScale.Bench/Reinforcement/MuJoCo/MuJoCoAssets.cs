using System.Reflection;

namespace HesScale.Bench.Reinforcement.MuJoCo;

/// <summary>
/// Gymnasium's v4 model files (MIT; LICENSE and README embedded beside them, see Assets/README.md),
/// embedded in this assembly so no path is needed at run time.
/// </summary>
internal static class MuJoCoAssets
{
    private const string Prefix = "HesScale.Bench.MuJoCo.";

    /// <summary>The eight model files, e.g. hopper.xml.</summary>
    public static readonly IReadOnlyList<string> ModelFiles =
    [
        "hopper.xml", "walker2d.xml", "half_cheetah.xml", "ant.xml",
        "inverted_pendulum.xml", "inverted_double_pendulum.xml", "reacher.xml", "swimmer.xml",
    ];

    /// <summary>The text of an embedded asset (a model file, LICENSE or README.md).</summary>
    public static string Read(string fileName)
    {
        using var stream = typeof(MuJoCoAssets).Assembly.GetManifestResourceStream(Prefix + fileName)
            ?? throw new ArgumentException($"no embedded MuJoCo asset '{fileName}' (known: {string.Join(", ", ModelFiles)}).", nameof(fileName));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Compiles an embedded model.</summary>
    public static MuJoCoSimulation Load(string fileName) => MuJoCoSimulation.FromXml(Read(fileName), fileName);

    internal static IEnumerable<string> ResourceNames() =>
        typeof(MuJoCoAssets).Assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal));
}
