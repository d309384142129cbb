using System.IO.Compression;
using System.Globalization;

namespace HesScale.Gpu.Data;

/// <summary>
/// The embedded handwritten-digits set (UCI optical digits, 1,797 8x8 images, 10 classes,
/// CC BY 4.0, E. Alpaydin and C. Kaynak; see Data/Embedded/README.md).
/// </summary>
public static class Digits
{
    /// <summary>Features per image (8 x 8 pixels).</summary>
    public const int Features = 64;
    /// <summary>Number of classes (digits 0-9).</summary>
    public const int Classes = 10;

    /// <summary>All 1,797 images of the embedded set, features as stored (pixel counts 0-16), not standardised.</summary>
    public static Dataset Load()
    {
        using var stream = typeof(Digits).Assembly.GetManifestResourceStream("HesScale.Gpu.Data.digits.csv.gz")
            ?? throw new InvalidOperationException("The embedded digits data set is missing from the HesScale.Gpu assembly.");
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var features = new List<float>(1797 * Features);
        var labels = new List<int>(1797);
        string? line;
        int row = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (cells.Length != Features + 1)
                throw new InvalidDataException($"digits.csv row {row}: expected {Features + 1} columns, got {cells.Length}.");
            for (int j = 0; j < Features; j++) features.Add(float.Parse(cells[j], CultureInfo.InvariantCulture));
            labels.Add((int)double.Parse(cells[Features], CultureInfo.InvariantCulture));
            row++;
        }
        return new Dataset([.. features], [.. labels], Features, Classes, "digits");
    }

    /// <summary>
    /// The standard protocol of this project: fixed 80/20 split (seed 0), features standardised
    /// with the training set's statistics.
    /// </summary>
    public static (Dataset Train, Dataset Test) LoadStandardizedSplit(int seed = 0)
    {
        var (train, test) = Load().Split(0.2, seed);
        var (mean, std) = train.FeatureStatistics();
        return (train.Standardize(mean, std), test.Standardize(mean, std));
    }
}
