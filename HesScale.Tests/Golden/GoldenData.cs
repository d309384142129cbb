using HesScale.Bench.Cases;
using HesScale.Gpu;

namespace HesScale.Tests.Golden;

/// <summary>Where the golden cases are (copied next to the test assembly) and how results are compared.</summary>
internal static class GoldenData
{
    /// <summary>Relative-error bound for float32 results (golden README).</summary>
    public const double FloatTolerance = 1e-4;

    /// <summary>Relative-error bound for the double reference.</summary>
    public const double DoubleTolerance = 1e-8;

    /// <summary>For an all-zero expected array: the largest magnitude allowed.</summary>
    public const double ZeroTolerance = 1e-6;

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Golden");

    /// <summary>case-000 ... case-007 (file names without ".json").</summary>
    public static IReadOnlyList<string> CaseNames => System.IO.Directory.GetFiles(Directory, "case-*.json")
        .Select(Path.GetFileName)
        .Where(n => !n!.EndsWith(".expected.json", StringComparison.Ordinal))
        .Select(n => Path.GetFileNameWithoutExtension(n!))
        .Order(StringComparer.Ordinal)
        .ToList();

    public static string CasePath(string name) => Path.Combine(Directory, name + ".json");

    public static string ExpectedPath(string name) => Path.Combine(Directory, name + ".expected.json");

    public static HesScaleCase LoadCase(string name) => CaseFile.Load(CasePath(name));

    public static ExpectedFile LoadExpected(string name) => ExpectedFile.Load(ExpectedPath(name));

    /// <summary>||ours - expected|| / ||expected|| (Euclidean), or max |ours| when expected is all zero.</summary>
    public static void AssertClose(double[] expected, IReadOnlyList<double> actual, double tolerance, string what)
    {
        Assert.HasCount(expected.Length, actual, $"{what}: length");
        double diff = 0, norm = 0, maxAbs = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.IsTrue(double.IsFinite(actual[i]), $"{what}[{i}] is {actual[i]}");
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
            maxAbs = Math.Max(maxAbs, Math.Abs(actual[i]));
        }
        if (norm == 0)
        {
            Assert.IsLessThanOrEqualTo(ZeroTolerance, maxAbs, $"{what}: expected all zeros, got max |value| {maxAbs:E3}");
            return;
        }
        double relative = Math.Sqrt(diff / norm);
        Assert.IsLessThanOrEqualTo(tolerance, relative, $"{what}: relative error {relative:E3} > {tolerance:E0}");
    }

    public static void AssertClose(double[] expected, float[] actual, double tolerance, string what) =>
        AssertClose(expected, actual.Select(v => (double)v).ToArray(), tolerance, what);

    public static void AssertLossClose(double expected, double actual, double tolerance, string what)
    {
        double error = Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-12);
        Assert.IsLessThanOrEqualTo(tolerance, error, $"{what}: loss {actual} vs expected {expected} (relative error {error:E3})");
    }

    /// <summary>The expected entry for spec parameter <paramref name="info"/>, checking that layer and name agree.</summary>
    public static ExpectedParameter Entry(ExpectedFile expected, ParameterInfo info, string caseName)
    {
        Assert.IsLessThan(expected.Parameters.Count, info.Index, $"{caseName}: expected file has too few parameters");
        var entry = expected.Parameters[info.Index];
        Assert.AreEqual(info.LayerIndex, entry.Layer, $"{caseName}: parameter {info.Index} layer");
        Assert.AreEqual(info.Name, entry.Name, $"{caseName}: parameter {info.Index} name");
        return entry;
    }
}
