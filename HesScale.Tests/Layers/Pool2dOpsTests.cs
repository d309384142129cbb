using HesScale.Gpu;
using HesScale.Gpu.Kernels;
using HesScale.Reference.Layers;
using GpuWindow = HesScale.Gpu.Kernels.Window2d;
using RefWindow = HesScale.Reference.Layers.Window2d;
using static HesScale.Tests.Layers.LayerChecks;

namespace HesScale.Tests.Layers;

/// <summary>
/// Max and average pooling on the ILGPU simulator and the native path against <see cref="MaxPool2dLayer"/> and
/// <see cref="AvgPool2dLayer"/> (double precision): forward, and the two-channel backward (gradient; HesScale
/// diagonal routed to the arg-max, or spread with (1/k)^2) on odd shapes, overlapping and padded windows.
/// </summary>
[TestClass]
public sealed class Pool2dOpsTests
{
    // C, H, W, kh, kw, sh, sw, ph, pw, batch
    private static readonly int[][] Shapes =
    [
        [3, 5, 7, 2, 2, 2, 2, 0, 0, 1],  // floor mode drops the last row and column, batch 1
        [2, 7, 6, 3, 3, 2, 2, 1, 1, 2],  // overlapping windows, padding 1
        [1, 4, 9, 3, 2, 1, 2, 1, 1, 3],  // stride 1 x 2, non-square kernel, padding at half the kernel
        [4, 3, 3, 3, 3, 3, 3, 0, 0, 1],  // one window covers the image
        [5, 6, 5, 1, 1, 2, 1, 0, 0, 2],  // 1x1 kernel, strided
    ];

    /// <summary>A shape for the native path only, large enough that "native-threads" splits it over threads.</summary>
    private static readonly int[] NativeOnly = [8, 40, 37, 3, 3, 2, 2, 1, 1, 16];

    private static int[][] ShapesFor(string backend) => backend == "simulator" ? Shapes : [.. Shapes, NativeOnly];

    [TestMethod]
    [DataRow("simulator", false)]
    [DataRow("simulator", true)]
    [DataRow("native", false)]
    [DataRow("native", true)]
    [DataRow("native-threads", false)]
    [DataRow("native-threads", true)]
    public void Max_pool_matches_the_double_reference(string backend, bool ties)
    {
        using var runner = new LayerOpsRunner(backend);
        var shapes = ShapesFor(backend);
        for (int k = 0; k < shapes.Length; k++)
        {
            var (g, input, window, n) = Geometry(shapes[k], max: true);
            var layer = new MaxPool2dLayer(input, window);
            string at = $"{backend}, {g}, batch {n}{(ties ? ", ties" : "")}";
            var rng = new Random(200 + k);
            // ties: values in {-1, 0, 1} (as after a ReLU, many equal maxima): the first in row-major order wins
            float[] x = ties ? Enumerable.Range(0, n * g.InSize).Select(_ => (float)(rng.Next(3) - 1)).ToArray() : Uniform(rng, n * g.InSize);
            float[] grad = Uniform(rng, n * g.OutSize), diag = Uniform(rng, n * g.OutSize, 0f, 1f);
            double[] xd = D(x);

            var (y, arg) = runner.MaxForward(g, x, n);
            Close(layer.Forward([], xd, n), y, $"max forward ({at})");
            for (int o = 0; o < arg.Length; o++)
                Assert.AreEqual(y[o], x[o / g.OutSize * g.InSize + arg[o]], $"arg-max {o} points at the maximum ({at})");

            var bIn = runner.MaxBackward(g, Concat(grad, diag), arg, n, 2);
            Close(layer.BackwardInput([], xd, D(grad), n), bIn[..(n * g.InSize)], $"max backward, gradient ({at})");
            Close(layer.BackwardDiagonal([], xd, D(grad), D(diag), n, true), bIn[(n * g.InSize)..], $"max backward, diagonal ({at})");
        }
    }

    [TestMethod]
    [DataRow("simulator")]
    [DataRow("native")]
    public void Max_pool_propagates_NaN_as_PyTorch_does(string backend)
    {
        // A diverged input must not hide behind a finite maximum: any NaN in a window makes its output NaN.
        using var runner = new LayerOpsRunner(backend);
        var (g, _, _, n) = Geometry([2, 5, 4, 2, 2, 2, 2, 0, 0, 1], max: true);
        var rng = new Random(7);
        float[] x = Uniform(rng, n * g.InSize);
        x[1] = float.NaN;                                    // channel 0, row 0, column 1: window (0, 0), not its first tap
        x[35] = float.NaN;                                   // channel 1, row 3, column 3: the last window, its last tap (row 4 is dropped: floor mode)
        var (y, arg) = runner.MaxForward(g, x, n);
        Assert.IsTrue(float.IsNaN(y[0]), $"window (0,0) holds a NaN: {y[0]} ({backend})");
        Assert.AreEqual(1, arg[0], "the arg-max points at the NaN");
        Assert.IsTrue(float.IsNaN(y[g.OutSize - 1]), $"the last window holds a NaN: {y[g.OutSize - 1]} ({backend})");
        Assert.AreEqual(2, y.Count(float.IsNaN), "only the two windows with a NaN are NaN");
    }

    [TestMethod]
    public void Max_pool_with_NaN_in_wide_rows_matches_the_kernel()
    {
        // Rows of 8+ whole windows go through the native path's 8-window blocks: NaN taps (first, middle, last of a
        // window, and two in one window), ties and -0/+0 must give the kernel's maxima and arg-maxima exactly.
        using var simulator = new LayerOpsRunner("simulator");
        using var native = new LayerOpsRunner("native");
        foreach (var shape in new[] { new[] { 2, 5, 41, 3, 3, 2, 2, 1, 1, 2 }, new[] { 1, 4, 30, 2, 2, 1, 1, 0, 0, 1 } })
        {
            var (g, _, _, n) = Geometry(shape, max: true);
            var rng = new Random(11);
            float[] x = Enumerable.Range(0, n * g.InSize).Select(_ => (float)(rng.Next(3) - 1)).ToArray();
            for (int i = 0; i < x.Length; i += 7) x[i] = -0f;
            for (int i = 3; i < x.Length; i += 13) x[i] = float.NaN;
            var (yk, argk) = simulator.MaxForward(g, x, n);
            var (yn, argn) = native.MaxForward(g, x, n);
            for (int o = 0; o < yk.Length; o++)
            {
                Assert.AreEqual(BitConverter.SingleToInt32Bits(yk[o]), BitConverter.SingleToInt32Bits(yn[o]), $"max {o} ({g}): kernel {yk[o]}, native {yn[o]}");
                Assert.AreEqual(argk[o], argn[o], $"arg-max {o} ({g})");
            }
            Assert.IsTrue(yn.Any(float.IsNaN) && yn.Any(v => !float.IsNaN(v)), $"the case mixes NaN and finite windows ({g})");
        }
    }

    [TestMethod]
    [DataRow("simulator")]
    [DataRow("native")]
    [DataRow("native-threads")]
    public void Average_pool_matches_the_double_reference(string backend)
    {
        using var runner = new LayerOpsRunner(backend);
        var shapes = ShapesFor(backend);
        for (int k = 0; k < shapes.Length; k++)
        {
            var (g, input, window, n) = Geometry(shapes[k], max: false);
            var layer = new AvgPool2dLayer(input, window);
            string at = $"{backend}, {g}, batch {n}";
            var rng = new Random(300 + k);
            float[] x = Uniform(rng, n * g.InSize), grad = Uniform(rng, n * g.OutSize), diag = Uniform(rng, n * g.OutSize, 0f, 1f);
            double[] xd = D(x);

            Close(layer.Forward([], xd, n), runner.AvgForward(g, x, n), $"avg forward ({at})");
            var bIn = runner.AvgBackward(g, Concat(grad, diag), n, 2, 1);
            Close(layer.BackwardInput([], xd, D(grad), n), bIn[..(n * g.InSize)], $"avg backward, gradient 1/k ({at})");
            Close(layer.BackwardDiagonal([], xd, D(grad), D(diag), n, true), bIn[(n * g.InSize)..], $"avg backward, diagonal (1/k)^2 ({at})");
        }
    }

    private static (Pool2dGeometry G, TensorShape Input, RefWindow Window, int N) Geometry(int[] s, bool max)
    {
        var g = new Pool2dGeometry(max, (s[0], s[1], s[2]), new GpuWindow(s[3], s[4], s[5], s[6], s[7], s[8]));
        var input = new TensorShape(s[0], s[1], s[2]);
        return (g, input, new RefWindow(s[3], s[4], s[5], s[6], s[7], s[8]), s[9]);
    }
}
