using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Gpu.Devices;
using HesScale.Gpu.Kernels;
using HesScale.Reference;
using HesScale.Tests.Curvature;
using HesScale.Tests.Engine;
using GpuWindow = HesScale.Gpu.Kernels.Window2d;
using static HesScale.Tests.Layers.LayerChecks;

namespace HesScale.Tests.Layers;

/// <summary>
/// The tiled implicit-GEMM conv kernels (<see cref="TiledConv2dKernels"/>) on the simulator with 4 x 4-thread groups
/// (tile 4): against the direct kernels on stacks of several curvature channels at shapes spanning several tiles in
/// every GEMM dimension with ragged edges, the rule that picks them, and a conv network through them against the
/// double reference. (Every op against the double reference at the odd shapes is <see cref="Conv2dOpsTests"/>'
/// "tiled-simulator" row.)
/// </summary>
[TestClass]
public sealed class TiledConv2dTests
{
    // Cin, H, W, Cout, kh, kw, sh, sw, ph, pw, batch, bias: Cin, Cout, K = Cin*kh*kw, positions and pixels no multiple of 4.
    private static readonly int[][] Shapes =
    [
        [6, 7, 9, 9, 3, 2, 2, 1, 1, 1, 1, 1], // stride 2 x 1, padding 1, non-square kernel, batch 1: K = 36, 4 x 9 positions
        [5, 5, 6, 7, 1, 1, 1, 1, 0, 0, 3, 0], // 1x1 kernel (K = 5 = Cin), no bias, batch 3
        [3, 6, 5, 5, 2, 3, 2, 2, 1, 0, 2, 1], // stride 2 on both axes, padding only along the height
    ];

    [TestMethod]
    [DataRow("tiled-simulator")]
    [DataRow("tiled-simulator-split")]
    public void Tiled_kernels_equal_the_direct_kernels_on_stacks_of_three_channels(string variant)
    {
        using var tiled = new LayerOpsRunner(variant);
        using var direct = new LayerOpsRunner("simulator");
        for (int k = 0; k < Shapes.Length; k++)
        {
            int[] s = Shapes[k];
            int cin = s[0], n = s[10];
            bool bias = s[11] != 0;
            var g = new Conv2dGeometry((cin, s[1], s[2]), cin, s[3], new GpuWindow(s[4], s[5], s[6], s[7], s[8], s[9]));
            string at = $"{variant}, {g}, batch {n}";
            var rng = new Random(700 + k);
            float[] x = Uniform(rng, n * g.InSize), w = Uniform(rng, g.WeightLength), b = bias ? Uniform(rng, g.OutChannels) : [];
            // Channel 0 the gradient, channels 1 and 2 curvature diagonals (non-negative, as HesScale's).
            float[] stack = Concat(Uniform(rng, n * g.OutSize), Concat(Uniform(rng, n * g.OutSize, 0f, 1f), Uniform(rng, n * g.OutSize, 0f, 1f)));

            Same(direct.ConvForward(g, x, w, b, n), tiled.ConvForward(g, x, w, b, n), $"forward ({at})");
            Same(direct.ConvBackwardInput(g, stack, w, n, 3, 1), tiled.ConvBackwardInput(g, stack, w, n, 3, 1), $"backward input, 3 channels ({at})");
            var (dW, db) = direct.ConvBackwardWeight(g, stack, x, n, 3, 1, bias);
            var (tdW, tdb) = tiled.ConvBackwardWeight(g, stack, x, n, 3, 1, bias);
            Same(dW, tdW, $"backward weight, 3 channels ({at})");
            Same(db, tdb, $"backward bias, 3 channels ({at})");
        }
    }

    /// <summary>Agreement to float rounding (sums in another order), every element written (the runner fills outputs with 999).</summary>
    private static void Same(float[] direct, float[] tiled, string what)
    {
        Assert.IsFalse(direct.Contains(LayerOpsRunner.Unwritten), $"{what}: the direct kernel left an element unwritten");
        Close(D(direct), tiled, what);
    }

    [TestMethod]
    public void Tiles_are_taken_when_every_product_dimension_fills_one()
    {
        var backend = (IlgpuBackend)Devices.TiledSimulator.Backend;
        Assert.AreEqual(4, backend.Tile, "the 4 x 4 simulator tiles by 4");
        using var ops = new Conv2dOps.Ilgpu(backend.Accelerator, backend.LaunchShape, new Conv2dOps.Tiling(backend.Tile, backend.GroupShape, backend.MaxGroups));
        Assert.IsTrue(ops.UsesTiles(4, 4, 4));
        Assert.IsFalse(ops.UsesTiles(3, 64, 64), "rows (Cout, Cin or C*Cout) below a tile");
        Assert.IsFalse(ops.UsesTiles(64, 3, 64), "reduction (K, Cout*kh*kw or N*P) below a tile");
        Assert.IsFalse(ops.UsesTiles(64, 64, 3), "columns (N*P, C*N*H*W or K + bias) below a tile");
        var simulator = (IlgpuBackend)Devices.Simulator.Backend;
        using var untiled = new Conv2dOps.Ilgpu(simulator.Accelerator, simulator.LaunchShape, new Conv2dOps.Tiling(simulator.Tile, simulator.GroupShape, simulator.MaxGroups));
        Assert.IsFalse(untiled.UsesTiles(64, 64, 64), $"groups of {simulator.Tile * simulator.Tile} threads have no tiles");
        var refused = Assert.ThrowsExactly<ArgumentException>(() => new Conv2dOps.Ilgpu(simulator.Accelerator, simulator.LaunchShape,
            new Conv2dOps.Tiling(1, simulator.GroupShape, 1, Always: true)));
        StringAssert.Contains(refused.Message, "cannot be forced");
    }

    [TestMethod]
    public void The_weight_product_is_split_only_when_its_blocks_leave_the_grid_idle()
    {
        // The rule at a GPU's sizes (tile 16, an H200's 132 SMs x 16 groups), on the simulator's accelerator (the rule does not launch).
        var backend = (IlgpuBackend)Devices.TiledSimulator.Backend;
        using var gpu = new Conv2dOps.Ilgpu(backend.Accelerator, backend.LaunchShape, new Conv2dOps.Tiling(16, backend.GroupShape, 132 * 16));
        Assert.AreEqual(Conv2dOps.Ilgpu.MaxSlices, gpu.SlicesFor(4, 128 * 576), "cnn-small conv1 at batch 128, 2 channels: 4 blocks, N*P = 73,728");
        Assert.AreEqual(2112 / 40, gpu.SlicesFor(40, 128 * 100), "cnn-small conv2 at batch 128, 2 channels: 40 blocks, as many slices as fill the grid");
        Assert.AreEqual(1, gpu.SlicesFor(1212, 128 * 100), "blocks that fill the grid alone");
        Assert.AreEqual(2, gpu.SlicesFor(4, 128), "each slice at least 4 tiles of the reduction (N*P = 128)");
        Assert.AreEqual(1, gpu.SlicesFor(4, 63), "less than 4 tiles: no split");
        Assert.AreEqual(1, ((IlgpuBackend)Devices.TiledSimulator.Backend).MaxGroups, "the simulator's one-group grid: no split unless forced");
    }

    [TestMethod]
    public void A_split_weight_product_counts_its_second_launch()
    {
        var backend = (IlgpuBackend)Devices.TiledSimulator.Backend;
        var g = new Conv2dGeometry((3, 5, 4), 3, 5, GpuWindow.Square(3, 1, 1));
        using var split = new Conv2dOps.Ilgpu(backend.Accelerator, backend.LaunchShape, new Conv2dOps.Tiling(backend.Tile, backend.GroupShape, backend.MaxGroups, Slices: 3));
        using var whole = new Conv2dOps.Ilgpu(backend.Accelerator, backend.LaunchShape, new Conv2dOps.Tiling(backend.Tile, backend.GroupShape, backend.MaxGroups));
        var accelerator = backend.Accelerator;
        using var bOut = accelerator.Allocate1D<float>(2 * 2 * g.OutSize);
        using var x = accelerator.Allocate1D<float>(2 * g.InSize);
        using var dW = accelerator.Allocate1D<float>(2 * g.WeightLength);
        using var db = accelerator.Allocate1D<float>(2 * g.OutChannels);
        Assert.IsTrue(whole.UsesTiles(2 * 5, 2 * 20, 28), "the weight product is tiled");
        long before = backend.Launches;
        whole.BackwardWeight(g, bOut.View, x.View, dW.View, db.View, 2, 2, 1);
        Assert.AreEqual(before + 1, backend.Launches, "unsplit: one launch");
        split.BackwardWeight(g, bOut.View, x.View, dW.View, db.View, 2, 2, 1);
        Assert.AreEqual(before + 3, backend.Launches, "split: the slices, then their sum");
    }

    /// <summary>
    /// Two convs whose every product fills tile 4 (checked below: forward (Cout, K, N*P), backward input (Cin, Cout*kh*kw, C*N*H*W),
    /// backward weight (C*Cout, N*P, K + 1)), a max pool, a Linear head.
    /// </summary>
    private static NetworkSpec Spec() => ConvNetworkTests.Net(new TensorShape(5, 7, 6),
        [LayerSpec.Conv2d(5, 6, 3, 2, strideH: 2, strideW: 1, padH: 1, padW: 1), LayerSpec.Tanh(),
         LayerSpec.Conv2d(6, 5, 1, 1), LayerSpec.Sigmoid(), LayerSpec.MaxPool2d(2, 2)], 3);

    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    public void A_conv_net_through_the_tiles_matches_the_double_reference(int batch)
    {
        var spec = Spec();
        var backend = (IlgpuBackend)Devices.TiledSimulator.Backend;
        using (var ops = new Conv2dOps.Ilgpu(backend.Accelerator, backend.LaunchShape, new Conv2dOps.Tiling(backend.Tile, backend.GroupShape, backend.MaxGroups)))
        {
            // conv1: 5x7x6 -> 6x4x7 (K = 30, P = 28); conv2: 6x4x7 -> 5x4x7 (K = 6); 4 channels (gradient + 3 fused curvatures).
            Assert.IsTrue(ops.UsesTiles(6, 30, batch * 28) && ops.UsesTiles(4 * 6, batch * 28, 31), "conv1 forward and weight tiled");
            Assert.IsTrue(ops.UsesTiles(5, 6, batch * 28) && ops.UsesTiles(4 * 5, batch * 28, 7) && ops.UsesTiles(6, 5, 4 * batch * 28), "conv2 forward, weight, input tiled");
        }
        var parameters = spec.InitialParameters(31 + batch);
        var rng = new Random(32 + batch);
        var inputs = Enumerable.Range(0, batch * spec.InputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var classes = Enumerable.Range(0, batch).Select(_ => rng.Next(spec.OutputSize)).ToArray();
        var loss = LossSpec.CrossEntropy();
        var reference = new ReferenceNetwork(spec, parameters.Select(p => p.Select(v => (double)v).ToArray()).ToArray());
        var inputsD = inputs.Select(v => (double)v).ToArray();
        var targetsD = ReferenceTargets.FromClasses((int[])classes.Clone());

        using var network = new Network(Devices.TiledSimulator, spec, parameters);
        var fused = new[] { CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN, CurvatureMethod.BL89 };
        var result = network.Backward(inputs, batch, Targets.FromClasses(classes), loss, fused);
        Near(spec.Parameters.Select(p => result.Gradient(p.Index)).ToArray(), reference.Gradient(inputsD, batch, targetsD, loss), "gradient");
        foreach (var method in fused)
            Near(spec.Parameters.Select(p => result.Curvature(method, p.Index)).ToArray(), reference.Curvature(inputsD, batch, targetsD, loss, method), method.Id);

        // The R-operator's conv products (forward and backward, accumulating their second term) through the tiles.
        using var estimator = new CurvatureEstimator(network);
        var v = spec.Parameters.Select(p => Enumerable.Range(0, p.Length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray()).ToArray();
        Near(estimator.HessianVectorProduct(inputs, batch, Targets.FromClasses(classes), loss, v),
            reference.HessianVectorProduct(inputsD, batch, targetsD, loss, v.Select(t => t.Select(x => (double)x).ToArray()).ToArray()), "H v");

        void Near(float[][] ours, double[][] expected, string what)
        {
            Assert.IsGreaterThan(0.0, Norms.Norm(expected), $"{what}: the reference is all zero, the comparison could not fail");
            Assert.IsLessThanOrEqualTo(2e-4, CurvatureCases.RelativeError(ours, expected, 1e-6 * Math.Max(1, Norms.Norm(expected))), $"{what}, batch {batch}");
        }
    }
}
