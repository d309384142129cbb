using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Native;

namespace HesScale.Gpu.Performance;

/// <summary>One timed device operation of a network pass.</summary>
/// <param name="Layer">Layer index (-1 for the loss).</param>
/// <param name="Op">linear_forward, activation_forward, loss_backward, activation_backward, linear_backward.</param>
/// <param name="Shape">Sizes in words, e.g. "N=1 64->256".</param>
/// <param name="Channels">Channel count C of a backward operation (gradient + C - 1 curvature channels); 0 for forward ones.</param>
/// <param name="Time">Wall-clock time per launch plus synchronisation, microseconds.</param>
public sealed record OpRow(int Layer, string Op, string Shape, int Channels, TimingSummary Time);

/// <summary>
/// Where the time of a pass goes: each backend operation of a network's forward and fused
/// backward pass, launched on its own on buffers of the pass's shapes and followed by a
/// device synchronisation (so GPU rows include one launch and one wait each).
/// </summary>
public static class OpProfile
{
    /// <summary>Most channels a backward pass carries (the gradient and up to 7 curvature diagonals).</summary>
    public const int MaxChannels = Channels.Max;

    /// <summary>
    /// Op name of <see cref="FusedLinearBackward"/> (one sweep over W for all channels), timed next to
    /// linear_backward (the engine's panel products) on the native device from batch <see cref="NativeBackend.SmallBatch"/>.
    /// </summary>
    public const string FusedOp = "linear_backward_fused";

    private static float[]?[] Host(params DeviceBuffer?[] buffers) => buffers.Select(b =>
    {
        if (b is null) return null;
        var host = new float[b.Length];
        b.Download(host);
        return host;
    }).ToArray();

    /// <summary>Times every operation of <paramref name="spec"/> at batch <paramref name="batch"/>; backward ones once per channel count.</summary>
    public static IReadOnlyList<OpRow> Run(ComputeDevice device, NetworkSpec spec, int batch, IReadOnlyList<int> channelCounts, TimingBudget budget, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(channelCounts);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        if (channelCounts.Count == 0 || channelCounts.Any(c => c < 1 || c > Channels.Max))
            throw new ArgumentException($"Channel counts must lie in 1..{Channels.Max}, got [{string.Join(", ", channelCounts)}].", nameof(channelCounts));
        budget.Validate();

        var backend = device.Backend;
        int maxC = channelCounts.Max(), n = batch;
        var rng = new Random(seed);
        var buffers = new List<DeviceBuffer>();
        DeviceBuffer Random(int length, float scale)
        {
            var b = backend.Allocate(length);
            buffers.Add(b);
            var host = new float[length];
            for (int i = 0; i < length; i++) host[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
            b.Upload(host);
            return b;
        }
        try
        {
            var input = Random(n * spec.InputSize, 1f);
            var values = spec.Widths.Select(w => Random(n * w, 1f)).ToArray();
            var stacks = spec.Widths.Select(w => Random(maxC * n * w, 0.1f)).ToArray();
            var parameters = spec.Parameters.Select(p => Random(p.Length, 1f / MathF.Sqrt(spec.Layers[p.LayerIndex].In))).ToArray();
            var parameterStacks = spec.Parameters.Select(p => Random(maxC * p.Length, 0f)).ToArray();
            var targetBuffer = Random(n, 0f);
            targetBuffer.Upload(Enumerable.Range(0, n).Select(s => (float)rng.Next(spec.OutputSize)).ToArray());
            var lossPerSample = Random(n, 0f);
            var loss = LossSpec.CrossEntropy();

            var ops = new List<(int Layer, string Op, string Shape, int C, Action Run)>();
            void Add(int layer, string op, string shape, int c, Action run) => ops.Add((layer, op, shape, c, () =>
            {
                run();
                backend.Synchronize();
            }));

            int param = 0;
            var weightOf = new int[spec.Layers.Count];
            for (int l = 0; l < spec.Layers.Count; l++)
            {
                var layer = spec.Layers[l];
                var x = l == 0 ? input : values[l - 1];
                var y = values[l];
                if (layer.IsLinear)
                {
                    weightOf[l] = param;
                    var w = parameters[param++];
                    var b = layer.Bias ? parameters[param++] : null;
                    Add(l, "linear_forward", $"N={n} {layer.In}->{layer.Out}", 0, () => backend.LinearForward(x, w, b, y, n, layer.In, layer.Out));
                }
                else
                {
                    int count = n * spec.Widths[l];
                    Add(l, "activation_forward", $"N={n} {LayerSpec.NameOf(layer.Kind)} {spec.Widths[l]}", 0, () => backend.ActivationForward(layer, x, y, count));
                }
            }

            foreach (int c in channelCounts)
            {
                int packed = 0;
                for (int k = 1; k < c; k++) packed |= Channels.HesScale << (4 * k);
                int k0 = spec.OutputSize;
                Add(-1, "loss_backward", $"N={n} K={k0}", c, () => backend.LossBackward(loss, values[^1], targetBuffer, stacks[^1], lossPerSample, n, k0, c, packed));
                for (int l = spec.Layers.Count - 1; l >= 0; l--)
                {
                    var layer = spec.Layers[l];
                    var h = l == 0 ? input : values[l - 1];
                    var bIn = l == 0 ? null : stacks[l - 1];
                    var bOut = stacks[l];
                    if (layer.IsLinear)
                    {
                        int wi = weightOf[l];
                        var w = parameters[wi];
                        var dW = parameterStacks[wi];
                        var db = layer.Bias ? parameterStacks[wi + 1] : null;
                        Add(l, "linear_backward", $"N={n} {layer.In}<-{layer.Out}", c, () => backend.LinearBackward(bOut, h, w, bIn, dW, db, n, layer.In, layer.Out, c, 1));
                        if (backend is NativeBackend native && n >= NativeBackend.SmallBatch)
                        {
                            // The fused sweep on host copies of the same shapes (below SmallBatch
                            // the engine's operation is the fused sweep already).
                            var a = Host(bOut, h, w, bIn, dW, db);
                            var parallel = new ParallelOptions { MaxDegreeOfParallelism = native.Threads };
                            Add(l, FusedOp, $"N={n} {layer.In}<-{layer.Out}", c, () => FusedLinearBackward.Run(a[0]!, a[1]!, a[2]!, a[3], a[4]!, a[5],
                                n, layer.In, layer.Out, c, 1, parallel));
                        }
                    }
                    else
                    {
                        int count = n * spec.Widths[l];
                        var z = values[l]; // s(a), stored by the forward pass (a local: the lambda must not capture l)
                        Add(l, "activation_backward", $"N={n} {LayerSpec.NameOf(layer.Kind)} {spec.Widths[l]}", c, () => backend.ActivationBackward(layer, h, z, bOut, bIn!, count, c, packed));
                    }
                }
            }

            var times = OperationTimer.MeasureInterleaved(ops.Select(o => o.Run).ToArray(), budget);
            return ops.Zip(times, (o, t) => new OpRow(o.Layer, o.Op, o.Shape, o.C, t)).ToArray();
        }
        finally
        {
            foreach (var b in buffers) b.Dispose();
        }
    }
}
