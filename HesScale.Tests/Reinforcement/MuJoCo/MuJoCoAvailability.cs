using HesScale.Bench.Reinforcement.MuJoCo;

namespace HesScale.Tests.Reinforcement.MuJoCo;

/// <summary>The MuJoCo tests need Debian's libmujoco2.2.2 (.ci/install-mujoco installs it in CI); without it they are inconclusive, never passed.</summary>
internal static class MuJoCoAvailability
{
    public static void Require()
    {
        if (!MuJoCoLibrary.TryLoad(out string reason))
            Assert.Inconclusive($"MuJoCo test skipped: {reason} (package libmujoco2.2.2)");
    }

    /// <summary>The golden MuJoCo trajectory cases (Golden/MuJoCo, copied to the test output; Golden/MuJoCo/README.md).</summary>
    public static string GoldenDirectory => Path.Combine(AppContext.BaseDirectory, "Golden", "MuJoCo");

    public static IReadOnlyList<string> GoldenCaseNames => Directory.GetFiles(GoldenDirectory, "case-*.json")
        .Select(p => Path.GetFileName(p))
        .Where(n => !n.EndsWith(".expected.json", StringComparison.Ordinal))
        .Select(n => Path.GetFileNameWithoutExtension(n))
        .Order(StringComparer.Ordinal)
        .ToList();
}
