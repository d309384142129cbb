using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Layers;
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
    public const string FusedOp = LinearLayer.FusedOp;

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
            var parameters = spec.Parameters.Select(p => Random(p.Length, spec.LayerObjects[p.LayerIndex].InitBound)).ToArray();
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

            var layers = spec.LayerObjects;
            for (int l = 0; l < layers.Count; l++)
            {
                var layer = layers[l];
                var x = l == 0 ? input : values[l - 1];
                var y = values[l];
                var p = Network.TensorsOf(parameters, layer).ToArray(); // arrays: the lambdas cannot capture spans
                Add(l, layer.OpName + "_forward", layer.ShapeText(n, forward: true), 0, () => layer.Forward(backend, x, y, p, n));
            }

            foreach (int c in channelCounts)
            {
                int packed = 0;
                for (int k = 1; k < c; k++) packed |= Channels.HesScale << (4 * k);
                int k0 = spec.OutputSize;
                Add(-1, "loss_backward", $"N={n} K={k0}", c, () => backend.LossBackward(loss, values[^1], targetBuffer, stacks[^1], lossPerSample, n, k0, c, packed));
                for (int l = layers.Count - 1; l >= 0; l--)
                {
                    var layer = layers[l];
                    var h = l == 0 ? input : values[l - 1];
                    var bIn = l == 0 ? null : stacks[l - 1];
                    var bOut = stacks[l];
                    var z = values[l]; // the forward output (a local: the lambda must not capture l)
                    var p = Network.TensorsOf(parameters, layer).ToArray();
                    var ps = Network.TensorsOf(parameterStacks, layer).ToArray();
                    string shape = layer.ShapeText(n, forward: false);
                    Add(l, layer.OpName + "_backward", shape, c, () => layer.Backward(backend, h, z, bOut, bIn, p, ps, n, c, packed));
                    foreach (var (op, run) in layer.ProfileVariants(backend, h, bOut, bIn, p, ps, n, c)) Add(l, op, shape, c, run);
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
