namespace HesScale.Tests.Layers;

/// <summary>Seeded inputs and the float-versus-double comparison of the layer-op tests.</summary>
internal static class LayerChecks
{
    /// <summary>Float relative tolerance against the double reference (sums of at most a few hundred products).</summary>
    public const double Tolerance = 1e-5;

    public static float[] Uniform(Random rng, int length, float lo = -1f, float hi = 1f)
    {
        var v = new float[length];
        for (int i = 0; i < length; i++) v[i] = lo + (hi - lo) * (float)rng.NextDouble();
        return v;
    }

    public static double[] D(float[] v) => Array.ConvertAll(v, f => (double)f);

    public static float[] Concat(params float[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>
    /// Every element within <see cref="Tolerance"/> of the reference, relative to |expected| plus the vector's
    /// RMS (so a zero the reference has is not held to 1e-5 absolute of nothing, and no element can be off by
    /// the data's size, nor left unwritten).
    /// </summary>
    public static void Close(double[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        double rms = Math.Sqrt(expected.Sum(e => e * e) / Math.Max(1, expected.Length));
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]);
            if (!(err <= Tolerance * (Math.Abs(expected[i]) + rms) + 1e-12))
                Assert.Fail($"{what}[{i}]: {actual[i]} vs reference {expected[i]} (error {err:g3}, rms {rms:g3}).");
        }
    }
}
