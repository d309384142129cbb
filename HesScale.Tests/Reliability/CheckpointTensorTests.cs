using HesScale.Gpu;
using HesScale.Gpu.Checkpoints;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Reliability;

/// <summary>
/// Issue 14, item 4: <see cref="Checkpoint.Restore"/> checks tensor count, names, shapes and values
/// against the architecture before loading anything; a missing tensor no longer resumes silently.
/// </summary>
[TestClass]
public sealed class CheckpointTensorTests
{
    private static readonly NetworkSpec Spec = new(LayerSpec.Linear(5, 4), LayerSpec.Tanh(), LayerSpec.Linear(4, 3));

    private static float[][] ParametersOf(Network n) => Spec.Parameters.Select(p => n.GetParameter(p.Index)).ToArray();

    private static void AssertRefused(Checkpoint checkpoint, Network target, string what)
    {
        var before = ParametersOf(target);
        var e = Assert.ThrowsExactly<CheckpointFormatException>(() => checkpoint.Restore(target));
        Assert.Contains(what, e.Message);
        var after = ParametersOf(target);
        for (int i = 0; i < before.Length; i++) CollectionAssert.AreEqual(before[i], after[i], $"tensor {i} changed by a refused restore");
    }

    [TestMethod]
    public void Missing_tensor_is_refused_and_nothing_is_loaded()
    {
        using var source = new Network(Devices.Native, Spec, seed: 1);
        using var target = new Network(Devices.Native, Spec, seed: 2);
        var full = Checkpoint.Capture(source);
        var missing = new Checkpoint(full.Architecture, full.Parameters.Take(3).ToArray());
        AssertRefused(missing, target, "holds 3 parameter tensors");

        // The same through a file: saved, loaded (the checksum is valid), refused on restore.
        using var scratch = new Scratch();
        string file = scratch.PathOf("missing.ckpt");
        missing.Save(file);
        AssertRefused(Checkpoint.Load(file), target, "holds 3 parameter tensors");
    }

    [TestMethod]
    public void Tensor_of_another_length_or_with_a_non_finite_value_is_refused()
    {
        using var source = new Network(Devices.Native, Spec, seed: 1);
        using var target = new Network(Devices.Native, Spec, seed: 2);
        var p = Checkpoint.Capture(source).Parameters.ToArray();
        var shorter = p.ToArray();
        shorter[2] = p[2][..^1];
        AssertRefused(new Checkpoint(Architecture.Describe(Spec), shorter), target, "layer2.weight");
        var nan = p.Select(t => (float[])t.Clone()).ToArray();
        nan[1][2] = float.NaN;
        AssertRefused(new Checkpoint(Architecture.Describe(Spec), nan), target, "not finite");
    }

    [TestMethod]
    public void Saved_names_and_shapes_are_checked_and_a_good_checkpoint_restores()
    {
        using var source = new Network(Devices.Native, Spec, seed: 1);
        using var target = new Network(Devices.Native, Spec, seed: 2);
        using var scratch = new Scratch();
        string file = scratch.PathOf("good.ckpt");
        Checkpoint.Capture(source).Save(file);
        Checkpoint.Load(file).Restore(target);
        var want = ParametersOf(source);
        var got = ParametersOf(target);
        for (int i = 0; i < want.Length; i++) CollectionAssert.AreEqual(want[i], got[i]);

        // A stored name that does not match (bytes patched, checksum recomputed): refused by name, not loaded by length.
        byte[] bytes = File.ReadAllBytes(file);
        int at = bytes.AsSpan().IndexOf("layer2.weight"u8);
        Assert.IsGreaterThan(0, at);
        bytes[at + 7] = (byte)'W';
        File.WriteAllBytes(file, Reseal(bytes));
        AssertRefused(Checkpoint.Load(file), target, "'layer2.Weight' (3 x 4)");
    }

    /// <summary>Recomputes a checkpoint's payload length and SHA-256 after an edit, so the payload parser sees the edit.</summary>
    internal static byte[] Reseal(byte[] bytes)
    {
        if (bytes.Length < 52) return bytes;
        BitConverter.TryWriteBytes(bytes.AsSpan(12), (long)(bytes.Length - 52));
        System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));
        return bytes;
    }
}
