namespace HesScale.Gpu.Data;

/// <summary>
/// CIFAR-10 binary batches: records of 1 label byte (0-9) and 3,072 pixel bytes (32 x 32, red
/// plane then green then blue). Training data: every data_batch_*.bin in the folder (or in its
/// cifar-10-batches-bin subfolder) in name order; test data: test_batch.bin. Pixels scaled to [0, 1].
/// </summary>
public static class Cifar10
{
    /// <summary>Number of classes (10).</summary>
    public const int Classes = 10;
    /// <summary>Features per image: 3 colour planes of 32 x 32 pixels.</summary>
    public const int Features = 3 * 32 * 32;
    /// <summary>Bytes per record: one label byte, then the pixel bytes.</summary>
    public const int RecordLength = 1 + Features;

    /// <summary>(train, test) from the binary batches in <paramref name="directory"/>; a malformed file is an <see cref="InvalidDataException"/> naming it and the byte offset.</summary>
    public static (Dataset Train, Dataset Test) Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"cifar10: folder '{directory}' does not exist.");
        string nested = Path.Combine(directory, "cifar-10-batches-bin");
        if (!File.Exists(Path.Combine(directory, "test_batch.bin")) && Directory.Exists(nested)) directory = nested;
        var trainFiles = Directory.GetFiles(directory, "data_batch_*.bin").Order(StringComparer.Ordinal).ToArray();
        if (trainFiles.Length == 0) throw new FileNotFoundException($"cifar10: no data_batch_*.bin in '{directory}'.");
        string testFile = Path.Combine(directory, "test_batch.bin");
        if (!File.Exists(testFile)) throw new FileNotFoundException($"cifar10: test_batch.bin is missing in '{directory}'.", testFile);
        return (LoadBatches(trainFiles, "cifar10/train"), LoadBatches([testFile], "cifar10/test"));
    }

    /// <summary>The records of several batch files, concatenated.</summary>
    public static Dataset LoadBatches(IReadOnlyList<string> paths, string name)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var features = new List<float>();
        var labels = new List<int>();
        foreach (string path in paths)
        {
            byte[] bytes = File.ReadAllBytes(path);
            string file = Path.GetFileName(path);
            if (bytes.Length == 0) throw new InvalidDataException($"{file}: empty file (offset 0).");
            if (bytes.Length % RecordLength != 0)
            {
                long lastStart = bytes.Length / RecordLength * (long)RecordLength;
                throw new InvalidDataException($"{file}: truncated record at offset {lastStart}: {bytes.Length - lastStart} of {RecordLength} bytes (file length {bytes.Length}).");
            }
            for (int offset = 0; offset < bytes.Length; offset += RecordLength)
            {
                if (bytes[offset] >= Classes)
                    throw new InvalidDataException($"{file}: offset {offset}: label {bytes[offset]} is outside [0, {Classes}).");
                labels.Add(bytes[offset]);
                for (int j = 1; j < RecordLength; j++) features.Add(bytes[offset + j] / 255f);
            }
        }
        return new Dataset([.. features], [.. labels], Features, Classes, name);
    }
}
