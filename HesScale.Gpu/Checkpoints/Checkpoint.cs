using System.Security.Cryptography;
using System.Text;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Training;

namespace HesScale.Gpu.Checkpoints;

/// <summary>
/// A saved training run: parameters, optimizer state (settings, step counter, moments, RNG state)
/// and the trainer's position (epoch, batch, shuffle state, running sums), plus free-form
/// metadata. Binary format version 1, all little-endian (docs/training.md):
/// <code>
/// offset 0   8 bytes  magic "HSCKPT\r\n"
///        8   int32    format version (1)
///        12  int64    payload length P
///        20  P bytes  payload
///        20+P 32 bytes SHA-256 of bytes [0, 20+P)
/// payload: string architecture; int32 T, T x (string name, int32 rows, int32 cols, float32[rows*cols])
///   (name "layerL.weight" / "layerL.bias" with the tensor's rows x cols; "tensorI", length x 1, in older files);
///   byte has-optimizer [string name, float32 lr b1 b2 eps momentum wd delta alpha_max, int32 samples,
///   uint64 seed, int64 steps, float32 last scale, uint64 rng, int32 S, S x (string slot, int32 T,
///   T x (int32 n, float32[n]))]; byte has-progress [int32 epoch, int32 batch, uint64 shuffle state,
///   float64 loss sum, int32 samples, float64 seconds]; int32 M, M x (string key, string value).
/// strings: int32 byte count + UTF-8.
/// </code>
/// Saving writes a temporary file in the same folder, flushes it to disk and renames it over the
/// target, so a crash leaves either the old or the new checkpoint, never a torn one.
/// </summary>
public sealed class Checkpoint
{
    /// <summary>Version of the binary format this code writes and reads.</summary>
    public const int FormatVersion = 1;
    private static readonly byte[] Magic = "HSCKPT\r\n"u8.ToArray();
    private const int HeaderLength = 20, HashLength = 32;

    // Name and shape of each stored tensor; null for a checkpoint built from bare arrays.
    private (string Name, int Rows, int Cols)[]? _tensors;

    /// <summary>A checkpoint of <paramref name="parameters"/> (host copies in <see cref="NetworkSpec.Parameters"/> order) for <paramref name="architecture"/>, with optional optimizer settings and state (both or neither), training progress and metadata.</summary>
    public Checkpoint(string architecture, IReadOnlyList<float[]> parameters, OptimizerSettings? settings = null,
        OptimizerState? optimizer = null, TrainingProgress? progress = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(parameters);
        if ((optimizer is null) != (settings is null))
            throw new ArgumentException("Optimizer state and settings go together.", nameof(settings));
        Architecture = architecture;
        Parameters = parameters;
        OptimizerSettings = settings;
        OptimizerState = optimizer;
        Progress = progress;
        Metadata = metadata ?? new Dictionary<string, string>();
    }

    /// <summary><see cref="Checkpoints.Architecture.Describe"/> of the saved network.</summary>
    public string Architecture { get; }
    /// <summary>Parameter tensors in <see cref="NetworkSpec.Parameters"/> order.</summary>
    public IReadOnlyList<float[]> Parameters { get; }
    /// <summary>Settings of the saved optimizer, or null when none was saved.</summary>
    public OptimizerSettings? OptimizerSettings { get; }
    /// <summary>State of the saved optimizer (steps, moments, RNG), or null when none was saved.</summary>
    public OptimizerState? OptimizerState { get; }
    /// <summary>The training loop's position, or null when none was saved.</summary>
    public TrainingProgress? Progress { get; }
    /// <summary>Free-form key/value text saved with the run (empty when none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Copies the network, the optimizer (optional) and the trainer's position (optional) to the host.</summary>
    public static Checkpoint Capture(Network network, Optimizer? optimizer = null, IResumable? trainer = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        var parameters = network.Spec.Parameters.Select(p => network.GetParameter(p.Index)).ToArray();
        return new Checkpoint(Checkpoints.Architecture.Describe(network.Spec), parameters, optimizer?.Settings,
            optimizer?.GetState(), trainer?.Progress, metadata)
        {
            _tensors = network.Spec.Parameters.Select(p => (TensorName(p), p.Rows, p.Cols)).ToArray(),
        };
    }

    /// <summary>The name a parameter tensor is stored under, e.g. <c>layer2.weight</c>.</summary>
    public static string TensorName(ParameterInfo p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return $"layer{p.LayerIndex}.{p.Name}";
    }

    /// <summary>
    /// Loads the parameters into <paramref name="network"/> and the state into <paramref name="optimizer"/>;
    /// refuses (with <see cref="CheckpointFormatException"/>) a different architecture, optimizer or settings,
    /// parameter tensors that do not match the architecture (count, names, shapes, finite values;
    /// checked before anything is loaded), and optimizer state or progress that does not fit.
    /// </summary>
    public void Restore(Network network, Optimizer? optimizer = null, IResumable? trainer = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        string actual = Checkpoints.Architecture.Describe(network.Spec);
        if (actual != Architecture)
            throw new CheckpointFormatException($"The checkpoint holds architecture '{Architecture}', the network is '{actual}'.");
        if (optimizer is not null)
        {
            if (OptimizerState is null)
                throw new CheckpointFormatException($"The checkpoint has no optimizer state (optimizer '{optimizer.Name}' asked for one).");
            if (OptimizerState.Optimizer != optimizer.Name)
                throw new CheckpointFormatException($"The checkpoint's optimizer is '{OptimizerState.Optimizer}', not '{optimizer.Name}'.");
            if (OptimizerSettings != optimizer.Settings)
                throw new CheckpointFormatException($"The checkpoint's optimizer settings {OptimizerSettings} differ from {optimizer.Settings}; a resumed run must use the saved ones.");
        }
        if (trainer is not null && Progress is null)
            throw new CheckpointFormatException("The checkpoint has no training progress.");
        CheckTensors(network.Spec);
        try
        {
            // The progress is checked before the optimizer changes (SetState and Restore each check their own
            // input before changing anything), so a refused checkpoint leaves all three as they were.
            trainer?.CheckFits(Progress!);
            optimizer?.SetState(OptimizerState!);
            trainer?.Restore(Progress!);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointFormatException($"The checkpoint's {(e.ParamName == "progress" ? "training progress" : "optimizer state")} does not fit: {e.Message}", e);
        }
        for (int i = 0; i < Parameters.Count; i++) network.SetParameter(i, Parameters[i]);
    }

    /// <summary>
    /// Refuses, before anything is loaded, tensors that do not match the architecture: a missing or
    /// extra tensor, another name or shape (when the file records them), another length, a value
    /// that is not finite. The architecture text alone does not prove the tensors follow it.
    /// </summary>
    private void CheckTensors(NetworkSpec spec)
    {
        var expected = spec.Parameters;
        if (Parameters.Count != expected.Count)
            throw new CheckpointFormatException($"The checkpoint holds {Parameters.Count} parameter tensors; the architecture '{Architecture}' has {expected.Count}.");
        foreach (var p in expected)
        {
            string name = TensorName(p);
            if (_tensors is { } stored)
            {
                var (storedName, rows, cols) = stored[p.Index];
                bool legacy = storedName == $"tensor{p.Index}" && cols == 1; // written before names were stored
                if (!legacy && (storedName != name || rows != p.Rows || cols != p.Cols))
                    throw new CheckpointFormatException($"Tensor {p.Index} of the checkpoint is '{storedName}' ({rows} x {cols}); the architecture expects '{name}' ({p.Rows} x {p.Cols}).");
            }
            var values = Parameters[p.Index];
            if (values is null || values.Length != p.Length)
                throw new CheckpointFormatException($"Tensor {name} of the checkpoint holds {values?.Length ?? 0} values; the architecture expects {p.Rows} x {p.Cols} = {p.Length}.");
            int bad = Array.FindIndex(values, v => !float.IsFinite(v));
            if (bad >= 0) throw new CheckpointFormatException($"Tensor {name} of the checkpoint holds {values[bad]} at index {bad} (not finite).");
        }
    }

    /// <summary>
    /// Checks, before a run starts, that <see cref="Save"/> will be able to write <paramref name="path"/>:
    /// its folder exists or can be created and takes a file, and the path is not a folder. Errors
    /// (<see cref="IOException"/>, <see cref="UnauthorizedAccessException"/>) name the path.
    /// </summary>
    public static void CheckWritable(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"checkpoint '{path}' is a folder.");
        try
        {
            string? folder = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            string probe = Files.TemporaryFiles.PathFor(full);
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"checkpoint '{path}' cannot be written: {e.Message}", e);
        }
    }

    /// <summary>Writes the checkpoint atomically (temporary file, flush, rename).</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var payload = new MemoryStream();
        using (var w = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true)) WritePayload(w);
        var file = new byte[HeaderLength + payload.Length + HashLength];
        Magic.CopyTo(file, 0);
        BitConverter.TryWriteBytes(file.AsSpan(8), FormatVersion);
        BitConverter.TryWriteBytes(file.AsSpan(12), payload.Length);
        payload.GetBuffer().AsSpan(0, (int)payload.Length).CopyTo(file.AsSpan(HeaderLength));
        SHA256.HashData(file.AsSpan(0, file.Length - HashLength), file.AsSpan(file.Length - HashLength));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Checkpoints are written on little-endian machines only.");

        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        Files.AtomicFile.WriteAllBytes(full, file);
    }

    /// <summary>Reads and verifies a checkpoint; errors name the file and what is wrong.</summary>
    public static Checkpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] file = File.ReadAllBytes(path);
        string name = Path.GetFileName(path);
        if (file.Length < Magic.Length || !file.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointFormatException($"{name}: not a HesScale checkpoint (bad magic at offset 0).");
        if (file.Length < HeaderLength + HashLength)
            throw new CheckpointFormatException($"{name}: truncated ({file.Length} bytes, the header and checksum alone take {HeaderLength + HashLength}).");
        int version = BitConverter.ToInt32(file, 8);
        if (version != FormatVersion)
            throw new CheckpointFormatException($"{name}: checkpoint format version {version}; this build reads version {FormatVersion}.");
        long payloadLength = BitConverter.ToInt64(file, 12);
        if (payloadLength < 0 || payloadLength != file.Length - HeaderLength - HashLength)
            throw new CheckpointFormatException($"{name}: the header promises {payloadLength} payload bytes at offset {HeaderLength}, the file holds {file.Length - HeaderLength - HashLength} (truncated or padded).");
        var expected = file.AsSpan(file.Length - HashLength);
        var actual = SHA256.HashData(file.AsSpan(0, file.Length - HashLength));
        if (!expected.SequenceEqual(actual))
            throw new CheckpointFormatException($"{name}: SHA-256 checksum mismatch (stored {Convert.ToHexString(expected)[..16]}..., computed {Convert.ToHexString(actual)[..16]}...): the file is corrupted.");
        using var stream = new MemoryStream(file, HeaderLength, (int)payloadLength, writable: false);
        using var r = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            return ReadPayload(r);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidDataException or OverflowException or FormatException)
        {
            throw new CheckpointFormatException($"{name}: malformed payload at offset {HeaderLength + stream.Position}: {e.Message}", e);
        }
    }

    private void WritePayload(BinaryWriter w)
    {
        w.Write(Architecture);
        w.Write(Parameters.Count);
        for (int i = 0; i < Parameters.Count; i++)
        {
            var (name, rows, cols) = _tensors?[i] ?? ($"tensor{i}", Parameters[i].Length, 1);
            w.Write(name);
            w.Write(rows);
            w.Write(cols);
            WriteFloats(w, Parameters[i]);
        }
        w.Write(OptimizerState is not null);
        if (OptimizerState is { } state)
        {
            var s = OptimizerSettings!;
            w.Write(state.Optimizer);
            foreach (float v in new[] { s.LearningRate, s.Beta1, s.Beta2, s.Epsilon, s.Momentum, s.WeightDecay, s.Delta, s.AlphaMax }) w.Write(v);
            w.Write(s.Samples);
            w.Write(s.Seed);
            w.Write(state.Steps);
            w.Write(state.LastScale);
            w.Write(state.RngState);
            w.Write(state.Slots.Count);
            foreach (var (slot, tensors) in state.Slots.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.Write(slot);
                w.Write(tensors.Length);
                foreach (var t in tensors)
                {
                    w.Write(t.Length);
                    WriteFloats(w, t);
                }
            }
        }
        w.Write(Progress is not null);
        if (Progress is { } p)
        {
            w.Write(p.Epoch);
            w.Write(p.BatchInEpoch);
            w.Write(p.EpochShuffleState);
            w.Write(p.EpochLossSum);
            w.Write(p.EpochSamples);
            w.Write(p.EpochSeconds);
        }
        w.Write(Metadata.Count);
        foreach (var (key, value) in Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.Write(key);
            w.Write(value);
        }
    }

    private static Checkpoint ReadPayload(BinaryReader r)
    {
        string architecture = r.ReadString();
        int count = Count(r, "tensor count");
        var parameters = new float[count][];
        var layout = new (string, int, int)[count];
        for (int i = 0; i < count; i++)
        {
            string tensor = r.ReadString();
            int rows = Count(r, "rows"), cols = Count(r, "cols");
            parameters[i] = ReadFloats(r, checked(rows * cols));
            layout[i] = (tensor, rows, cols);
        }
        OptimizerSettings? settings = null;
        OptimizerState? state = null;
        if (r.ReadBoolean())
        {
            string name = r.ReadString();
            var f = new float[8];
            for (int i = 0; i < f.Length; i++) f[i] = r.ReadSingle();
            settings = new OptimizerSettings
            {
                LearningRate = f[0],
                Beta1 = f[1],
                Beta2 = f[2],
                Epsilon = f[3],
                Momentum = f[4],
                WeightDecay = f[5],
                Delta = f[6],
                AlphaMax = f[7],
                Samples = r.ReadInt32(),
                Seed = r.ReadUInt64(),
            };
            long steps = r.ReadInt64();
            float lastScale = r.ReadSingle();
            ulong rng = r.ReadUInt64();
            int slotCount = Count(r, "slot count");
            var slots = new Dictionary<string, float[][]>(StringComparer.Ordinal);
            for (int s = 0; s < slotCount; s++)
            {
                string slot = r.ReadString();
                var tensors = new float[Count(r, "slot tensor count")][];
                for (int t = 0; t < tensors.Length; t++) tensors[t] = ReadFloats(r, Count(r, "slot tensor length"));
                slots[slot] = tensors;
            }
            state = new OptimizerState(name, steps, lastScale, rng, slots);
        }
        TrainingProgress? progress = null;
        if (r.ReadBoolean())
            progress = new TrainingProgress(r.ReadInt32(), r.ReadInt32(), r.ReadUInt64(), r.ReadDouble(), r.ReadInt32(), r.ReadDouble());
        int metaCount = Count(r, "metadata count");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < metaCount; i++) metadata[r.ReadString()] = r.ReadString();
        if (r.BaseStream.Position != r.BaseStream.Length)
            throw new InvalidDataException($"{r.BaseStream.Length - r.BaseStream.Position} unexpected bytes after the metadata.");
        return new Checkpoint(architecture, parameters, settings, state, progress, metadata) { _tensors = layout };
    }

    private static int Count(BinaryReader r, string what)
    {
        int n = r.ReadInt32();
        if (n < 0 || n > r.BaseStream.Length) throw new InvalidDataException($"{what} {n} is impossible for a payload of {r.BaseStream.Length} bytes.");
        return n;
    }

    private static void WriteFloats(BinaryWriter w, float[] values)
    {
        foreach (float v in values) w.Write(v);
    }

    private static float[] ReadFloats(BinaryReader r, int n)
    {
        if ((long)n * 4 > r.BaseStream.Length - r.BaseStream.Position)
            throw new EndOfStreamException($"{n} floats do not fit in the {r.BaseStream.Length - r.BaseStream.Position} bytes left.");
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = r.ReadSingle();
        return values;
    }
}
