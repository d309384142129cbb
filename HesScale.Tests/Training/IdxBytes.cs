using System.Buffers.Binary;
using System.IO.Compression;

namespace HesScale.Tests.Training;

/// <summary>Builds IDX data files (the MNIST format) in memory for the loader and corrupt-data tests.</summary>
internal static class IdxBytes
{
    /// <summary>An unsigned-byte IDX file: magic 0x0000_08_{rank}, the big-endian dimensions, then <paramref name="data"/>.</summary>
    public static byte[] Idx(byte[] data, params int[] shape)
    {
        var bytes = new byte[4 + 4 * shape.Length + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)shape.Length;
        for (int d = 0; d < shape.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), shape[d]);
        data.CopyTo(bytes, 4 + 4 * shape.Length);
        return bytes;
    }

    /// <summary><paramref name="bytes"/> gzip-compressed, as the dataset's <c>.gz</c> files.</summary>
    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest)) gz.Write(bytes);
        return output.ToArray();
    }
}
