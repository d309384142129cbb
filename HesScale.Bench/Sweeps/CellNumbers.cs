using System.Globalization;

namespace HesScale.Bench.Sweeps;

/// <summary>Numbers in stored cell rows; a damaged row is an <see cref="SweepFormatException"/>, not a crash.</summary>
internal static class CellNumbers
{
    public static double Double(string text, string command) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
            : throw new SweepFormatException($"{command}: a stored cell row has '{text}' where a number belongs.");

    public static long Long(string text, string command) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v
            : throw new SweepFormatException($"{command}: a stored cell row has '{text}' where an integer belongs.");

    /// <summary>Round-trip text of a double ("R", invariant).</summary>
    public static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
