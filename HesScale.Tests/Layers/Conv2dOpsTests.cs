using HesScale.Gpu;
using HesScale.Gpu.Kernels;
using HesScale.Reference.Layers;
using GpuWindow = HesScale.Gpu.Kernels.Window2d;
using RefWindow = HesScale.Reference.Layers.Window2d;
using static HesScale.Tests.Layers.LayerChecks;

namespace HesScale.Tests.Layers;

/// <summary>
/// Every conv2d op on the ILGPU simulator and the native path (both panel-tile families) against
/// <see cref="Conv2dLayer"/> (double precision): forward, the R-operator's forward and backward, and the two-channel backward (channel 0
/// the gradient with W and x, channel 1 a HesScale diagonal with W^2 and x^2) on odd shapes.
/// </summary>
[TestClass]
public sealed class Conv2dOpsTests
{
    // Cin, H, W, Cout, kh, kw, sh, sw, ph, pw, batch, bias
    private static readonly int[][] Shapes =
    [
        [3, 5, 7, 4, 3, 2, 2, 1, 1, 0, 1, 1],  // non-square image and kernel, stride 2, padding 1, batch 1
        [2, 6, 5, 3, 1, 1, 1, 1, 0, 0, 3, 0],  // 1x1 kernel, no bias
        [1, 7, 4, 5, 3, 3, 2, 2, 1, 1, 2, 1],  // stride 2, padding 1 on both axes
        [5, 4, 9, 2, 2, 5, 1, 2, 0, 2, 2, 1],  // kernel 2x5, padding only along the width
        [3, 3, 3, 2, 3, 3, 1, 1, 0, 0, 1, 1],  // the kernel covers the image: one position
        [3, 9, 8, 7, 3, 3, 1, 1, 1, 1, 3, 1],  // 'same' padding, Cout above the 6-row register tile
    ];

    /// <summary>
    /// A bigger shape for the native path only (full panels, several row tiles, work above the threshold where
    /// "native-threads" splits samples and panels; the simulator is ~1000x slower).
    /// </summary>
    private static readonly int[] NativeOnly = [6, 13, 11, 17, 3, 4, 1, 2, 1, 1, 5, 1];

    /// <summary>
    /// Native only: 1440 positions per sample, so the weight products go over the batch in several chunks of samples
    /// (each added to dW), with padded border windows and interior ones.
    /// </summary>
    private static readonly int[] NativeChunked = [2, 40, 36, 5, 3, 3, 1, 1, 1, 1, 3, 1];

    [TestMethod]
    [DataRow("simulator")]
    [DataRow("tiled-simulator")]
    [DataRow("tiled-simulator-split")]
    [DataRow("native")]
    [DataRow("native-wide")]
    [DataRow("native-threads")]
    public void Every_op_matches_the_double_reference(string backend)
    {
        using var runner = new LayerOpsRunner(backend);
        var shapes = backend.Contains("simulator", StringComparison.Ordinal) ? Shapes : [.. Shapes, NativeOnly, NativeChunked];
        for (int k = 0; k < shapes.Length; k++) Check(runner, shapes[k], seed: 100 + k);
    }

    private static void Check(LayerOpsRunner runner, int[] s, int seed)
    {
        int cin = s[0], h = s[1], w = s[2], cout = s[3], n = s[10];
        bool bias = s[11] != 0;
        var g = new Conv2dGeometry((cin, h, w), cin, cout, new GpuWindow(s[4], s[5], s[6], s[7], s[8], s[9]));
        var layer = new Conv2dLayer(new TensorShape(cin, h, w), cin, cout, new RefWindow(s[4], s[5], s[6], s[7], s[8], s[9]), bias);
        Assert.AreEqual(layer.OutputShape.Size, g.OutSize, "output shape");
        string at = $"{runner.Name}, {g}, batch {n}";

        var rng = new Random(seed);
        float[] x = Uniform(rng, n * g.InSize), rx = Uniform(rng, n * g.InSize);
        float[] wt = Uniform(rng, g.WeightLength), b = bias ? Uniform(rng, cout) : [];
        float[] vw = Uniform(rng, g.WeightLength), vb = bias ? Uniform(rng, cout) : [];
        float[] grad = Uniform(rng, n * g.OutSize), diag = Uniform(rng, n * g.OutSize, 0f, 1f);
        double[][] p = bias ? [D(wt), D(b)] : [D(wt)];
        double[][] v = bias ? [D(vw), D(vb)] : [D(vw)];
        double[] xd = D(x);

        Close(layer.Forward(p, xd, n), runner.ConvForward(g, x, wt, b, n), $"forward ({at})");
        Close(layer.RForward(p, v, xd, D(rx), n), runner.ConvRForward(g, x, rx, wt, vw, vb, n), $"R-forward ({at})");

        float[] rgrad = Uniform(rng, n * g.OutSize);
        Close(layer.RBackwardInput(p, v, xd, D(rx), D(grad), D(rgrad), n), runner.ConvRBackwardInput(g, grad, rgrad, wt, vw, n), $"R-backward input ({at})");
        var rParams = layer.RParameterGradient(p, v, xd, D(rx), D(grad), D(rgrad), n);
        var (rdW, rdb) = runner.ConvRBackwardWeight(g, grad, rgrad, x, rx, n, bias);
        Close(rParams[0], rdW, $"R-backward weight ({at})");
        if (bias) Close(rParams[1], rdb, $"R-backward bias ({at})");

        var stack = Concat(grad, diag);
        var bIn = runner.ConvBackwardInput(g, stack, wt, n, 2, 1);
        Close(layer.BackwardInput(p, xd, D(grad), n), bIn[..(n * g.InSize)], $"backward input, gradient ({at})");
        Close(layer.BackwardDiagonal(p, xd, D(grad), D(diag), n, true), bIn[(n * g.InSize)..], $"backward input, W^2 diagonal ({at})");

        var (dW, db) = runner.ConvBackwardWeight(g, stack, x, n, 2, 1, bias);
        var gradient = layer.ParameterGradient(p, xd, D(grad), n);
        var diagonal = layer.ParameterDiagonal(p, xd, D(diag), n);
        Close(gradient[0], dW[..g.WeightLength], $"weight gradient ({at})");
        Close(diagonal[0], dW[g.WeightLength..], $"weight diagonal, x^2 ({at})");
        if (bias)
        {
            Close(gradient[1], db[..cout], $"bias gradient ({at})");
            Close(diagonal[1], db[cout..], $"bias diagonal ({at})");
        }
        else
        {
            Assert.IsEmpty(db);
        }
    }

    [TestMethod]
    [DataRow("simulator")]
    [DataRow("tiled-simulator")]
    [DataRow("native")]
    public void Residual_columns_go_through_as_a_bigger_batch_with_every_channel_linear(string backend)
    {
        // 3 columns x batch 2 through one linear channel equal 3 separate transposed convolutions with W.
        using var runner = new LayerOpsRunner(backend);
        var g = new Conv2dGeometry((2, 5, 4), 2, 3, new GpuWindow(3, 2, 2, 1, 1, 1));
        var layer = new Conv2dLayer(new TensorShape(2, 5, 4), 2, 3, new RefWindow(3, 2, 2, 1, 1, 1));
        var rng = new Random(7);
        float[] wt = Uniform(rng, g.WeightLength), cols = Uniform(rng, 3 * 2 * g.OutSize);
        double[][] p = [D(wt), new double[3]];
        var bIn = runner.ConvBackwardInput(g, cols, wt, 3 * 2, 1, 1);
        Close(layer.BackwardInput(p, new double[3 * 2 * g.InSize], D(cols), 3 * 2), bIn, $"columns ({backend})");
    }

    [TestMethod]
    [DataRow("simulator")]
    [DataRow("native")]
    [DataRow("native-wide")]
    [DataRow("native-threads")]
    public void Kfc_factors_match_the_patch_expansion_in_double(string backend)
    {
        using var runner = new LayerOpsRunner(backend);
        var shapes = backend == "simulator" ? Shapes : [.. Shapes, NativeOnly, NativeChunked];
        for (int k = 0; k < shapes.Length; k++)
        {
            int[] s = shapes[k];
            int cin = s[0], h = s[1], w = s[2], cout = s[3], n = s[10];
            bool bias = s[11] != 0;
            var window = new RefWindow(s[4], s[5], s[6], s[7], s[8], s[9]);
            var g = new Conv2dGeometry((cin, h, w), cin, cout, new GpuWindow(s[4], s[5], s[6], s[7], s[8], s[9]));
            string at = $"{backend}, {g}, batch {n}";
            var rng = new Random(400 + k);
            float[] x = Uniform(rng, n * g.InSize), q = Uniform(rng, n * g.OutSize, 0f, 1f);

            // Grosse & Martens' expansion, written from the reference's tap walk: one patch a (K', +1 for the bias) per sample and position.
            int patch = g.PatchLength, side = patch + (bias ? 1 : 0), positions = g.Positions;
            var omega = new double[side * side];
            var omegaDiag = new double[patch];
            for (int sample = 0; sample < n; sample++)
            {
                var patches = new double[positions, side];
                window.ForEachTap(h, w, g.OutH, g.OutW, (i, j, u, v, r, col) =>
                {
                    for (int c = 0; c < cin; c++)
                        patches[i * g.OutW + j, (c * s[4] + u) * s[5] + v] = x[((sample * cin + c) * h + r) * w + col];
                });
                for (int p = 0; p < positions; p++)
                {
                    if (bias) patches[p, patch] = 1;
                    for (int a = 0; a < side; a++)
                        for (int b = 0; b < side; b++) omega[a * side + b] += patches[p, a] * patches[p, b] / (n * positions);
                }
            }
            for (int a = 0; a < patch; a++) omegaDiag[a] = omega[a * side + a];
            Close(omega, runner.ConvPatchFactor(g, x, n, bias), $"patch factor ({at})");

            var gamma = new double[cout];
            for (int sample = 0; sample < n; sample++)
                for (int o = 0; o < cout; o++)
                    for (int p = 0; p < positions; p++) gamma[o] += q[sample * g.OutSize + o * positions + p];
            var expected = new double[g.WeightLength];
            for (int o = 0; o < cout; o++)
                for (int a = 0; a < patch; a++) expected[o * patch + a] = gamma[o] * omegaDiag[a];
            var (dW, db) = runner.ConvKfcWeight(g, q, x, n, bias);
            Close(expected, dW, $"KFC weight diagonal ({at})");
            if (bias) Close(gamma, db, $"KFC bias diagonal ({at})");
            else Assert.IsEmpty(db);
        }
    }
}
