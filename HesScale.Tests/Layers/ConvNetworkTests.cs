using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Reference;
using HesScale.Tests.Curvature;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Layers;

/// <summary>
/// Conv networks (conv2d, max/avg pools, flatten) through every method on both backends against the double reference
/// (its own layer objects; exact Hessian and GGN from explicit matrices), at odd shapes: non-square images and
/// kernels, stride 2, padding 1, 1x1 kernels, no bias, batch 1.
/// </summary>
[TestClass]
public sealed class ConvNetworkTests
{
    /// <summary>A conv net on <paramref name="input"/>: <paramref name="body"/>, flatten, then the head (Linear widths fitted to the flattened size).</summary>
    internal static NetworkSpec Net(TensorShape input, LayerSpec[] body, params int[] head)
    {
        var trunk = new NetworkSpec(input, [.. body, LayerSpec.Flatten()]);
        var layers = new List<LayerSpec>(trunk.Layers);
        int width = trunk.OutputSize;
        for (int i = 0; i < head.Length; i++)
        {
            if (i > 0) layers.Add(LayerSpec.Tanh());
            layers.Add(LayerSpec.Linear(width, head[i]));
            width = head[i];
        }
        return new NetworkSpec(input, layers);
    }

    /// <summary>Case 0: stride 2 x 1, padding 1, a 3x2 kernel, max pool with overlap; case 1: 1x1 kernel without bias, padded average pool, a second conv.</summary>
    internal static NetworkSpec Spec(int which) => which switch
    {
        0 => Net(new TensorShape(2, 7, 5),
            [LayerSpec.Conv2d(2, 3, 3, 2, strideH: 2, strideW: 1, padH: 1, padW: 1), LayerSpec.Tanh(), LayerSpec.MaxPool2d(2, 2, 1, 2)], 4),
        _ => Net(new TensorShape(1, 6, 9),
            [LayerSpec.Conv2d(1, 2, 1, 1, bias: false), LayerSpec.Sigmoid(), LayerSpec.AvgPool2d(3, 2, 2, 2, 1, 1),
             LayerSpec.Conv2d(2, 3, 2, 3, strideH: 1, strideW: 2, padW: 1), LayerSpec.ELU()], 5, 3),
    };

    public static IEnumerable<object[]> Cases =>
        from which in new[] { 0, 1 }
        from batch in new[] { 1, 3 }
        from kind in new[] { DeviceKind.Cpu, DeviceKind.IlgpuCpu }
        select new object[] { which, batch, kind };

    private sealed record Setup(NetworkSpec Spec, float[][] Parameters, float[] Inputs, int Batch, Targets Targets, LossSpec Loss, ReferenceNetwork Reference, double[] InputsD, ReferenceTargets ReferenceTargets);

    private static Setup Create(int which, int batch, LossSpec loss, int seed)
    {
        var spec = Spec(which);
        var parameters = spec.InitialParameters(seed);
        var rng = new Random(seed + 1);
        var inputs = Enumerable.Range(0, batch * spec.InputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        Targets targets;
        ReferenceTargets referenceTargets;
        if (loss.Kind == LossKind.CrossEntropy)
        {
            var classes = Enumerable.Range(0, batch).Select(_ => rng.Next(spec.OutputSize)).ToArray();
            targets = Targets.FromClasses(classes);
            referenceTargets = ReferenceTargets.FromClasses((int[])classes.Clone());
        }
        else
        {
            var values = Enumerable.Range(0, batch * spec.OutputSize).Select(_ => (float)rng.NextDouble()).ToArray();
            targets = Targets.FromValues(values);
            referenceTargets = ReferenceTargets.FromValues(values.Select(v => (double)v).ToArray());
        }
        var reference = new ReferenceNetwork(spec, parameters.Select(p => p.Select(v => (double)v).ToArray()).ToArray());
        return new Setup(spec, parameters, inputs, batch, targets, loss, reference, inputs.Select(v => (double)v).ToArray(), referenceTargets);
    }

    private static void Close(float[][] ours, double[][] expected, string what)
    {
        double floor = 1e-6 * Math.Max(1, Norms.Norm(expected));
        Assert.IsGreaterThan(0.0, Norms.Norm(expected), $"{what}: the reference is all zero, the comparison could not fail");
        Assert.IsLessThanOrEqualTo(2e-4, CurvatureCases.RelativeError(ours, expected, floor), what);
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Deterministic_methods_match_the_reference(int which, int batch, DeviceKind kind)
    {
        foreach (var loss in new[] { LossSpec.CrossEntropy(), new LossSpec(LossKind.MeanSquaredError, Reduction.Sum) })
        {
            var s = Create(which, batch, loss, 10 * which + batch);
            string at = $"{s.Spec} | batch {batch} | {loss} on {kind}";
            using var network = new Network(Devices.Get(kind), s.Spec, s.Parameters);
            var fused = new[] { CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN, CurvatureMethod.BL89 };
            var result = network.Backward(s.Inputs, batch, s.Targets, loss, fused);
            Assert.AreEqual(s.Reference.Loss(s.InputsD, batch, s.ReferenceTargets, loss), result.Loss, 1e-4 * Math.Max(1, Math.Abs(result.Loss)), $"loss: {at}");
            Close(s.Spec.Parameters.Select(p => result.Gradient(p.Index)).ToArray(), s.Reference.Gradient(s.InputsD, batch, s.ReferenceTargets, loss), $"gradient: {at}");
            foreach (var method in fused)
                Close(s.Spec.Parameters.Select(p => result.Curvature(method, p.Index)).ToArray(), s.Reference.Curvature(s.InputsD, batch, s.ReferenceTargets, loss, method), $"{method.Id}: {at}");

            using var estimator = new CurvatureEstimator(network);
            Estimate(CurvatureMethod.Exact, s.Reference.ExactDiagonal(s.InputsD, batch, s.ReferenceTargets, loss));
            Estimate(CurvatureMethod.Ggn, s.Reference.GgnDiagonal(s.InputsD, batch, s.ReferenceTargets, loss));
            Estimate(CurvatureMethod.BL89Official, Bl89Official.Diagonal(s.Reference, s.InputsD, batch, s.ReferenceTargets, loss));

            var squared = estimator.Estimate(s.Inputs, batch, s.Targets, loss, CurvatureMethod.GradSquared);
            var gradient = s.Reference.Gradient(s.InputsD, batch, s.ReferenceTargets, loss);
            Close(s.Spec.Parameters.Select(p => squared.Diagonal(p.Index)).ToArray(), gradient.Select(g => g.Select(v => v * v).ToArray()).ToArray(), $"grad_squared: {at}");

            // The R-operator (Hutchinson's and AdaHessian's step) for a fixed direction.
            var rng = new Random(5);
            var v = s.Spec.Parameters.Select(p => Enumerable.Range(0, p.Length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
            var hv = estimator.HessianVectorProduct(s.Inputs, batch, s.Targets, loss, v);
            Close(hv, s.Reference.HessianVectorProduct(s.InputsD, batch, s.ReferenceTargets, loss, v.Select(t => t.Select(x => (double)x).ToArray()).ToArray()), $"H v: {at}");

            void Estimate(CurvatureMethod method, double[][] expected)
            {
                var e = estimator.Estimate(s.Inputs, batch, s.Targets, loss, method);
                Close(CurvatureCases.Diagonals(e, s.Spec), expected, $"{method.Id}: {at}");
            }
        }
    }

    [TestMethod]
    [DataRow("ggn_mc")]
    [DataRow("kfac")]
    [DataRow("hutchinson")]
    public void Sampled_methods_agree_across_backends_and_differ_across_seeds(string id)
    {
        var method = CurvatureMethod.Parse(id);
        foreach (int which in new[] { 0, 1 })
        {
            var s = Create(which, 3, LossSpec.CrossEntropy(), 40 + which);
            float[] Run(ComputeDevice device, ulong seed)
            {
                using var network = new Network(device, s.Spec, s.Parameters);
                using var estimator = new CurvatureEstimator(network);
                var e = estimator.Estimate(s.Inputs, s.Batch, s.Targets, s.Loss, method, samples: 3, seed: seed);
                return CurvatureCases.Flatten(CurvatureCases.Diagonals(e, s.Spec));
            }
            var native = Run(Devices.Native, 42).Select(v => (double)v).ToArray();
            Assert.IsGreaterThan(0.0, native.Max(Math.Abs), $"{id}: all zero");
            Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(Run(Devices.Simulator, 42), native, 1e-12), $"{id} case {which}: simulator vs native, seed 42");
            Assert.IsGreaterThan(1e-2, Norms.RelativeError(Run(Devices.Native, 43), native, 1e-12), $"{id} case {which}: seeds 42 and 43 should differ");
        }
    }

    [TestMethod]
    public void Image_layer_launches_are_counted_by_the_backend()
    {
        // The ops adapter launches on the backend's shape (IlgpuBackend.LaunchShape), so launch counts include conv and pools.
        var spec = Spec(0);
        var backend = Devices.Simulator.Backend;
        var conv = spec.LayerObjects[0];
        var pool = spec.LayerObjects[2];
        using var x = backend.Allocate(2 * conv.In);
        using var y = backend.Allocate(2 * conv.Out);
        using var z = backend.Allocate(2 * pool.Out);
        using var w = backend.Allocate(spec.Parameters[0].Length);
        using var b = backend.Allocate(spec.Parameters[1].Length);
        long before = backend.Launches;
        conv.Forward(backend, x, y, [w, b], 2);
        Assert.AreEqual(before + 1, backend.Launches, "conv2d forward: one launch");
        pool.Forward(backend, y, z, [], 2);
        Assert.AreEqual(before + 2, backend.Launches, "max_pool2d forward: one launch");
        using var bOut = backend.Allocate(3 * 2 * pool.Out);
        using var bIn = backend.Allocate(3 * 2 * pool.In);
        pool.Backward(backend, y, z, bOut, bIn, [], [], 2, 3, 0);
        Assert.AreEqual(before + 4, backend.Launches, "max_pool2d backward: the arg-max again, then every channel in one launch");
    }

    [TestMethod]
    public void Ggn_mc_mean_approaches_the_conv_ggn()
    {
        // Unbiasedness through conv, pools and flatten: the mean of many one-sample estimates within 5 standard errors.
        var s = Create(0, 2, LossSpec.CrossEntropy(), 7);
        var ggn = CurvatureCases.Flatten(s.Reference.GgnDiagonal(s.InputsD, s.Batch, s.ReferenceTargets, s.Loss));
        const int draws = 2000;
        using var network = new Network(Devices.Native, s.Spec, s.Parameters);
        using var estimator = new CurvatureEstimator(network);
        var sum = new double[ggn.Length];
        var sumSq = new double[ggn.Length];
        for (int d = 0; d < draws; d++)
        {
            var flat = CurvatureCases.Flatten(CurvatureCases.Diagonals(estimator.Estimate(s.Inputs, s.Batch, s.Targets, s.Loss, CurvatureMethod.GgnMc, 1, (ulong)d), s.Spec));
            for (int i = 0; i < flat.Length; i++)
            {
                sum[i] += flat[i];
                sumSq[i] += (double)flat[i] * flat[i];
            }
        }
        double rounding = 1e-5 * ggn.Max(Math.Abs);
        for (int i = 0; i < ggn.Length; i++)
        {
            double mean = sum[i] / draws, se = Math.Sqrt(Math.Max(0, sumSq[i] / draws - mean * mean) / (draws - 1));
            Assert.IsLessThanOrEqualTo(5 * se + rounding, Math.Abs(mean - ggn[i]), $"element {i}: mean {mean}, ggn {ggn[i]}, standard error {se}");
        }
    }
}

/// <summary>The native image ops' staging: what an op that failed left staged is never written back by a later op.</summary>
[TestClass]
public sealed class NativeImageOpsTests
{
    [TestMethod]
    public void A_failed_op_leaves_its_outputs_untouched_and_later_ops_do_not_write_them()
    {
        var backend = Devices.Native.Backend;
        var ops = backend.LayerOps(HesScale.Gpu.Layers.ImageOps.Create);
        var g = new HesScale.Gpu.Kernels.Conv2dGeometry((2, 5, 4), 2, 3, HesScale.Gpu.Kernels.Window2d.Square(3, 1, 1));
        int n = 2;
        using var bOut = backend.Allocate(n * g.OutSize);
        using var x = backend.Allocate(n * g.InSize);
        using var w = backend.Allocate(g.WeightLength);
        using var dW = backend.Allocate(g.WeightLength + 5); // longer than used: staged
        using var shortBias = backend.Allocate(g.OutChannels - 1);
        using var y = backend.Allocate(n * g.OutSize + 3);
        var sentinel = Enumerable.Repeat(7f, dW.Length).ToArray();
        dW.Upload(sentinel);
        bOut.Upload(Enumerable.Range(0, bOut.Length).Select(i => 0.01f * i).ToArray());
        x.Upload(Enumerable.Range(0, x.Length).Select(i => 1f - 0.02f * i).ToArray());
        w.Upload(Enumerable.Range(0, w.Length).Select(i => 0.1f * (i % 5)).ToArray());

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ops.ConvBackwardWeight(g, bOut, x, dW, shortBias, n, 1, 1));
        ops.ConvForward(g, x, w, null, y, n);
        var after = new float[dW.Length];
        dW.Download(after);
        CollectionAssert.AreEqual(sentinel, after, "dW was written by a failed op or by the next one");
        var forward = new float[y.Length];
        y.Download(forward);
        Assert.IsTrue(forward.Take(n * g.OutSize).Any(v => v != 0f), "the later op wrote its own output");
    }
}

/// <summary>The exact conv column diagonal's native twin split over threads equals the one-thread sums and the ILGPU kernel.</summary>
[TestClass]
public sealed class ConvColumnWeightTests
{
    [TestMethod]
    public void Threads_and_simulator_agree_with_one_thread()
    {
        var g = new HesScale.Gpu.Kernels.Conv2dGeometry((3, 11, 9), 3, 6, new HesScale.Gpu.Kernels.Window2d(3, 2, 2, 1, 1, 0));
        int columns = 4, n = 7;
        var rng = new Random(3);
        float[] R(int length) => Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] s = R(columns * n * g.OutSize), signs = R(columns * n).Select(v => v < 0 ? -1f : 1f).ToArray(), x = R(n * g.InSize);
        float[] Native(int threads)
        {
            float[] dW = new float[g.WeightLength], db = new float[g.OutChannels];
            HesScale.Gpu.Native.ImageColumns.ConvColumnWeight(s, signs, x, dW, db, g, columns, n, 0.5f, true, threads);
            return [.. dW, .. db];
        }
        Assert.IsGreaterThan(1L << 17, (long)columns * n * g.OutSize * g.PatchLength, "large enough to split");
        var one = Native(1);
        Assert.IsTrue(one.Any(v => v != 0f));
        CollectionAssert.AreEqual(one, Native(3), "threads");

        var backend = Devices.Simulator.Backend;
        var ops = backend.LayerOps(HesScale.Gpu.Layers.ImageOps.Create);
        using DeviceBufferSet b = new(backend, s, signs, x, new float[g.WeightLength], new float[g.OutChannels]);
        ops.ConvColumnWeight(g, b[0], b[1], b[2], b[3], b[4], columns, n, 0.5f);
        var device = new float[g.WeightLength + g.OutChannels];
        b[3].Download(device.AsSpan(0, g.WeightLength));
        b[4].Download(device.AsSpan(g.WeightLength));
        Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(device, one.Select(v => (double)v).ToArray(), 1e-12), "simulator");
    }

    private sealed class DeviceBufferSet : IDisposable
    {
        private readonly HesScale.Gpu.Engine.DeviceBuffer[] _buffers;

        public DeviceBufferSet(HesScale.Gpu.Engine.Backend backend, params float[][] values) =>
            _buffers = values.Select(v =>
            {
                var buffer = backend.Allocate(v.Length);
                buffer.Upload(v);
                return buffer;
            }).ToArray();

        public HesScale.Gpu.Engine.DeviceBuffer this[int i] => _buffers[i];

        public void Dispose()
        {
            foreach (var b in _buffers) b.Dispose();
        }
    }
}
