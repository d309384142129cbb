using HesScale.Gpu.Kernels;

namespace HesScale.Tests.Layers;

/// <summary>
/// Bad conv/pool geometry is refused before anything runs, by one-line <see cref="ArgumentException"/>s that name
/// the layer and the numbers: kernel larger than the padded input, zero stride, channel mismatch, input rows of
/// the wrong length, and buffers of the wrong size handed to an op.
/// </summary>
[TestClass]
public sealed class GeometryTests
{
    private static void Refused(Action build, params string[] mentions)
    {
        var e = Assert.ThrowsExactly<ArgumentException>(build);
        Assert.DoesNotContain("\n", e.Message, "one line");
        foreach (var m in mentions) Assert.Contains(m, e.Message);
    }

    [TestMethod]
    public void Conv_geometry_refuses_what_does_not_fit()
    {
        Refused(() => _ = new Conv2dGeometry((3, 4, 5), 3, 8, new Window2d(7, 3, 1, 1, 1, 1)), "conv2d", "kernel 7x3", "padded input 6x7");
        Refused(() => _ = new Conv2dGeometry((3, 4, 5), 3, 8, new Window2d(3, 3, 0, 1, 0, 0)), "conv2d", "stride 0x1");
        Refused(() => _ = new Conv2dGeometry((2, 4, 5), 3, 8, Window2d.Square(3)), "conv2d", "in_channels is 3", "2x4x5", "2 channels");
        Refused(() => _ = new Conv2dGeometry((3, 4, 5), 3, 0, Window2d.Square(3)), "conv2d", "out_channels 0");
        Refused(() => _ = new Conv2dGeometry((3, 4, 5), 3, 2, Window2d.Square(3, 1, -1)), "conv2d", "padding -1x-1");
        Refused(() => _ = new Conv2dGeometry((1, 28, 28), 1, 4_000_000, Window2d.Square(28)), "conv2d", "weight", "4000000 x 1 x 28 x 28");
        // the same window fits once padded
        Assert.AreEqual((1, 5), (new Conv2dGeometry((3, 4, 5), 3, 8, new Window2d(5, 3, 2, 1, 1, 1)).OutH, new Conv2dGeometry((3, 4, 5), 3, 8, new Window2d(5, 3, 2, 1, 1, 1)).OutW));
    }

    [TestMethod]
    public void Conv_ops_refuse_rows_of_the_wrong_length()
    {
        var g = new Conv2dGeometry((3, 4, 5), 3, 2, Window2d.Square(3, 1, 1));
        Refused(() => g.CheckInput(2, 2 * 60 - 1), "conv2d", "input has 119 values", "Cin*H*W = 3*4*5 = 60");
        Refused(() => g.CheckInput(0, 0), "conv2d", "batch 0");
        var ops = new Conv2dOps.Native(false);
        float[] x = new float[2 * 48], w = new float[g.WeightLength], y = new float[2 * g.OutSize];
        Refused(() => ops.Forward(g, x, w, [], y, 2), "input has 96 values", "Cin*H*W = 3*4*5 = 60", "(a row of 48 values)");
        Refused(() => ops.Forward(g, new float[120], new float[5], [], y, 2), "weight has 5 values", "Cout*Cin*kh*kw = 1 x 2*3*3*3");
        Refused(() => ops.Forward(g, new float[120], w, new float[3], y, 2), "bias has 3 values", "Cout = 1 x 2");
        Refused(() => ops.BackwardInput(g, new float[2 * g.OutSize], w, new float[120], 2, 2, 1), "output stack", $"{2 * g.OutSize} values", "not 4 rows");
        Refused(() => ops.BackwardWeight(g, y, new float[120], new float[g.WeightLength], [], 2, 1, 2), "1 channels with 2 linear ones");
        Assert.IsTrue(y.All(v => v == 0f), "nothing was written before the checks refused");
    }

    [TestMethod]
    public void Accelerator_ops_refuse_views_of_the_wrong_length_before_launching()
    {
        var backend = (HesScale.Gpu.Devices.IlgpuBackend)Engine.Devices.Simulator.Backend;
        var accelerator = backend.Accelerator;
        var g = new Conv2dGeometry((3, 4, 5), 3, 2, Window2d.Square(3, 1, 1));
        long launches = backend.Launches;
        using var conv = new Conv2dOps.Ilgpu(accelerator, backend.LaunchShape);
        using var x = accelerator.Allocate1D<float>(2 * 60);
        using var w = accelerator.Allocate1D<float>(g.WeightLength);
        using var y = accelerator.Allocate1D<float>(2 * g.OutSize + 1);
        Refused(() => conv.Forward(g, x.View, w.View, default, y.View, 2), "conv2d", "output has 81 values", "Cout*OH*OW = 2*4*5 = 40");
        Refused(() => conv.PatchFactor(g, x.View, y.View, 2, true), "patch factor has 81 values", "K' x K' = 28 x 28");
        var pool = new Pool2dOps.Ilgpu(accelerator, backend.LaunchShape);
        var pg = new Pool2dGeometry(false, (3, 4, 5), Window2d.Square(2, 2));
        Refused(() => pool.AvgBackward(pg, y.View, x.View, 2, 2, 3), "avg_pool2d", "2 channels with 3 linear ones");
        Assert.AreEqual(launches, backend.Launches, "nothing was launched");
    }

    [TestMethod]
    public void Pool_geometry_refuses_what_does_not_fit()
    {
        Refused(() => _ = new Pool2dGeometry(true, (2, 3, 8), new Window2d(4, 2, 2, 2, 0, 0)), "max_pool2d", "kernel 4x2", "padded input 3x8");
        Refused(() => _ = new Pool2dGeometry(false, (2, 6, 8), new Window2d(2, 2, 2, 0, 0, 0)), "avg_pool2d", "stride 2x0");
        Refused(() => _ = new Pool2dGeometry(true, (2, 6, 8), new Window2d(3, 3, 2, 2, 2, 1)), "max_pool2d", "padding 2x1 is more than half the kernel 3x3");
        var g = new Pool2dGeometry(true, (2, 6, 8), Window2d.Square(2, 2));
        Refused(() => new Pool2dOps.Native().MaxForward(g, new float[95], new float[24], new int[24], 1), "max_pool2d", "input has 95 values", "C*H*W = 2*6*8 = 96");
        Refused(() => new Pool2dOps.Native().MaxForward(g, new float[96], new float[24], new int[23], 1), "max_pool2d", "arg-max has 23 values");
    }
}
