namespace HesScale.Gpu.Data;

/// <summary>
/// MNIST and Fashion-MNIST from their IDX files in one folder: train-images-idx3-ubyte,
/// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each optionally
/// ending in .gz). Pixels are scaled to [0, 1]; the official 60,000 / 10,000 split is kept.
/// </summary>
public static class IdxDatasets
{
    /// <summary>Number of classes (10) of both MNIST and Fashion-MNIST.</summary>
    public const int Classes = 10;

    /// <summary>(train, test) from <paramref name="directory"/>; <paramref name="name"/> labels the sets (mnist, fashion).</summary>
    public static (Dataset Train, Dataset Test) Load(string directory, string name = "mnist")
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{name}: folder '{directory}' does not exist.");
        return (LoadPair(Find(directory, "train-images-idx3-ubyte"), Find(directory, "train-labels-idx1-ubyte"), name + "/train"),
                LoadPair(Find(directory, "t10k-images-idx3-ubyte"), Find(directory, "t10k-labels-idx1-ubyte"), name + "/test"));
    }

    private static string Find(string directory, string stem)
    {
        foreach (string candidate in new[] { stem, stem + ".gz", stem.Replace("-idx", ".idx", StringComparison.Ordinal) })
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"'{stem}' (or '{stem}.gz') is missing in '{directory}'.", Path.Combine(directory, stem));
    }

    /// <summary>An images file (N x rows x cols bytes) with its labels file (N bytes, each &lt; 10).</summary>
    public static Dataset LoadPair(string imagesPath, string labelsPath, string name)
    {
        var (shape, pixels) = IdxFile.Read(imagesPath);
        if (shape.Length != 3)
            throw new InvalidDataException($"{Path.GetFileName(imagesPath)}: offset 3: images need 3 dimensions (N, rows, cols), got {shape.Length}.");
        var (labelShape, labels) = IdxFile.Read(labelsPath);
        if (labelShape.Length != 1)
            throw new InvalidDataException($"{Path.GetFileName(labelsPath)}: offset 3: labels need 1 dimension, got {labelShape.Length}.");
        if (labelShape[0] != shape[0])
            throw new InvalidDataException($"{Path.GetFileName(labelsPath)}: offset 4: {labelShape[0]} labels for {shape[0]} images in {Path.GetFileName(imagesPath)}.");
        long features = (long)shape[1] * shape[2];
        if (features < 1 || features > Array.MaxLength)
            throw new InvalidDataException($"{Path.GetFileName(imagesPath)}: offset 8: images of {shape[1]} x {shape[2]} pixels are not a usable size.");
        var x = new float[pixels.Length];
        for (int i = 0; i < x.Length; i++) x[i] = pixels[i] / 255f;
        var y = new int[labels.Length];
        for (int i = 0; i < y.Length; i++)
        {
            if (labels[i] >= Classes)
                throw new InvalidDataException($"{Path.GetFileName(labelsPath)}: offset {8 + i}: label {labels[i]} is outside [0, {Classes}).");
            y[i] = labels[i];
        }
        return new Dataset(x, y, (int)features, Classes, name);
    }
}
