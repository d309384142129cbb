using System.Buffers.Binary;
using System.IO.Compression;

namespace HesScale.Gpu.Data;

/// <summary>
/// The IDX format of MNIST and Fashion-MNIST (plain or gzip-compressed): bytes 0-1 zero, byte 2 the
/// element type (0x08 = unsigned byte, the only one read here), byte 3 the number of dimensions,
/// then one big-endian int32 per dimension, then the elements row-major.
/// </summary>
public static class IdxFile
{
    /// <summary>
    /// Deflate cannot expand data by more than about 1032:1; a gzip file whose header declares more
    /// than this many times its own length is corrupt and is refused before anything is inflated.
    /// </summary>
    internal const int MaxInflationRatio = 1100;

    /// <summary>
    /// Reads an unsigned-byte IDX file; errors (<see cref="InvalidDataException"/>) name the file and
    /// the (decompressed) offset. Memory is bounded by the file: a plain file is read as it is, a
    /// gzip stream is inflated only up to the size its IDX header declares (and that size must be
    /// one deflate can reach from the compressed length).
    /// </summary>
    public static (int[] Shape, byte[] Data) Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = File.ReadAllBytes(path);
        string name = Path.GetFileName(path);
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            try
            {
                bytes = Inflate(bytes, name);
                name += " (decompressed)";
            }
            catch (InvalidDataException e) when (!e.Message.StartsWith(name, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{name}: broken gzip stream: {e.Message}", e);
            }
        }
        return Parse(bytes, name);
    }

    /// <summary>
    /// Inflates the header first (4 bytes, then 4 per dimension), then exactly the element count it
    /// declares, plus one byte to detect trailing data: never more than the header promises.
    /// </summary>
    private static byte[] Inflate(byte[] compressed, string name)
    {
        using var gzip = new GZipStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
        var head = new byte[4];
        int got = gzip.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        // A short or wrong header: Parse throws, naming the problem.
        if (got < 4 || head[0] != 0 || head[1] != 0 || head[2] != 0x08 || head[3] < 1)
            return Parse(head.AsSpan(0, got).ToArray(), name + " (decompressed)").Data;
        var header = new byte[4 + 4 * head[3]];
        head.CopyTo(header, 0);
        got = 4 + gzip.ReadAtLeast(header.AsSpan(4), header.Length - 4, throwOnEndOfStream: false);
        if (got < header.Length) return Parse(header.AsSpan(0, got).ToArray(), name + " (decompressed)").Data;
        long declared = header.Length + ElementCount(header, name + " (decompressed)");
        if (declared > (long)compressed.Length * MaxInflationRatio + 1024)
            throw new InvalidDataException($"{name}: offset 4 (decompressed): the header declares {declared} bytes, more than {compressed.Length} compressed bytes can hold.");
        // Grow with the data actually inflated (a lying header costs nothing); stop one byte past the declared size.
        using var plain = new MemoryStream();
        plain.Write(header);
        var chunk = new byte[81920];
        while (plain.Length <= declared)
        {
            int n = gzip.Read(chunk, 0, (int)Math.Min(chunk.Length, declared + 1 - plain.Length));
            if (n == 0) break;
            plain.Write(chunk, 0, n);
        }
        if (plain.Length > declared)
            throw new InvalidDataException($"{name} (decompressed): offset {declared}: unexpected bytes after the {declared} bytes the header declares.");
        return plain.ToArray();
    }

    /// <summary>The product of the header's dimensions; refuses negative sizes and counts past <see cref="Array.MaxLength"/>.</summary>
    private static long ElementCount(ReadOnlySpan<byte> header, string name)
    {
        int dims = header[3];
        long count = 1;
        for (int d = 0; d < dims; d++)
        {
            int size = BinaryPrimitives.ReadInt32BigEndian(header[(4 + 4 * d)..]);
            if (size < 0) throw new InvalidDataException($"{name}: offset {4 + 4 * d}: dimension {d} is {size}.");
            count *= size; // both factors are below 2^31: no overflow
            if (count > Array.MaxLength)
                throw new InvalidDataException($"{name}: offset {4 + 4 * d}: the dimensions declare more than {Array.MaxLength} elements.");
        }
        return count;
    }

    internal static (int[] Shape, byte[] Data) Parse(byte[] bytes, string name)
    {
        if (bytes.Length < 4)
            throw new InvalidDataException($"{name}: truncated at offset {bytes.Length}: an IDX header needs 4 bytes.");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"{name}: offset 0: not an IDX file (magic {bytes[0]:X2} {bytes[1]:X2} {bytes[2]:X2} {bytes[3]:X2}, expected 00 00 08 nn).");
        if (bytes[2] != 0x08)
            throw new InvalidDataException($"{name}: offset 2: element type 0x{bytes[2]:X2}; only unsigned bytes (0x08) are supported.");
        int dims = bytes[3];
        if (dims < 1) throw new InvalidDataException($"{name}: offset 3: an IDX file needs at least one dimension.");
        int headerLength = 4 + 4 * dims;
        if (bytes.Length < headerLength)
            throw new InvalidDataException($"{name}: truncated at offset {bytes.Length}: {dims} dimensions need a {headerLength}-byte header.");
        long count = ElementCount(bytes, name);
        var shape = new int[dims];
        for (int d = 0; d < dims; d++) shape[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
        long expected = headerLength + count;
        if (bytes.Length < expected)
            throw new InvalidDataException($"{name}: truncated at offset {bytes.Length}: shape [{string.Join(", ", shape)}] needs {expected} bytes.");
        if (bytes.Length > expected)
            throw new InvalidDataException($"{name}: offset {expected}: {bytes.Length - expected} unexpected bytes after the data of shape [{string.Join(", ", shape)}].");
        return (shape, bytes.AsSpan(headerLength).ToArray());
    }
}
