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
    /// <summary>Reads an unsigned-byte IDX file; errors name the file and the (decompressed) offset.</summary>
    public static (int[] Shape, byte[] Data) Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = File.ReadAllBytes(path);
        string name = Path.GetFileName(path);
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            try
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gzip.CopyTo(plain);
                bytes = plain.ToArray();
                name += " (decompressed)";
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{Path.GetFileName(path)}: broken gzip stream: {e.Message}", e);
            }
        }
        return Parse(bytes, name);
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
        var shape = new int[dims];
        long count = 1;
        for (int d = 0; d < dims; d++)
        {
            shape[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (shape[d] < 0) throw new InvalidDataException($"{name}: offset {4 + 4 * d}: dimension {d} is {shape[d]}.");
            count *= shape[d];
        }
        long expected = headerLength + count;
        if (bytes.Length < expected)
            throw new InvalidDataException($"{name}: truncated at offset {bytes.Length}: shape [{string.Join(", ", shape)}] needs {expected} bytes.");
        if (bytes.Length > expected)
            throw new InvalidDataException($"{name}: offset {expected}: {bytes.Length - expected} unexpected bytes after the data of shape [{string.Join(", ", shape)}].");
        return (shape, bytes.AsSpan(headerLength).ToArray());
    }
}
