using HesScale.Gpu.Kernels;
using HesScale.Tests.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Tests.Layers;

/// <summary>
/// Runs the conv/pool ops of one backend on host arrays: "native" (256-bit panel tiles), "native-wide"
/// (512-bit tiles), "native-threads" (3 threads where the work is large enough to split), "simulator" (the ILGPU CPU accelerator: upload, launch, download) or
/// "tiled-simulator" (groups of 4 x 4 threads, every conv product through <see cref="TiledConv2dKernels"/>; "tiled-simulator-split" with
/// the weight product split in 3). Output buffers start
/// filled with 999 so that an element an op forgets to write differs from the reference.
/// </summary>
internal sealed class LayerOpsRunner : IDisposable
{
    public const float Unwritten = 999f;

    private readonly Accelerator? _accelerator;
    private readonly Conv2dOps.Ilgpu? _convDevice;
    private readonly Pool2dOps.Ilgpu? _poolDevice;
    private readonly Conv2dOps.Native? _convHost;
    private readonly Pool2dOps.Native _poolHost = new();

    public LayerOpsRunner(string backend)
    {
        Name = backend;
        switch (backend)
        {
            case "native": _convHost = new Conv2dOps.Native(false); break;
            case "native-wide": _convHost = new Conv2dOps.Native(true); break;
            case "native-threads":
                _convHost = new Conv2dOps.Native(false, 3);
                _poolHost = new Pool2dOps.Native(3);
                break;
            case "simulator":
                // The backend's launch shape, as the layers use the ops (IlgpuBackend.LaunchShape).
                var simulator = (HesScale.Gpu.Devices.IlgpuBackend)Devices.Simulator.Backend;
                _accelerator = simulator.Accelerator;
                _convDevice = new Conv2dOps.Ilgpu(_accelerator, simulator.LaunchShape);
                _poolDevice = new Pool2dOps.Ilgpu(_accelerator, simulator.LaunchShape);
                break;
            case "tiled-simulator":
            case "tiled-simulator-split":
                // Groups of 4 x 4 threads (tile 4) and every conv product through the tiled kernels, whatever its size;
                // "-split": every weight product split in 3 along N*P (the simulator's one-group grid never splits by itself).
                var tiled = (HesScale.Gpu.Devices.IlgpuBackend)Devices.TiledSimulator.Backend;
                _accelerator = tiled.Accelerator;
                _convDevice = new Conv2dOps.Ilgpu(_accelerator, tiled.LaunchShape,
                    new Conv2dOps.Tiling(tiled.Tile, tiled.GroupShape, tiled.MaxGroups, Always: true, Slices: backend.EndsWith("-split", StringComparison.Ordinal) ? 3 : 1));
                _poolDevice = new Pool2dOps.Ilgpu(_accelerator, tiled.LaunchShape);
                break;
            default: throw new ArgumentException($"unknown backend {backend}");
        }
    }

    public string Name { get; }

    public float[] ConvForward(in Conv2dGeometry g, float[] x, float[] w, float[] b, int n)
    {
        var y = Filled(n * g.OutSize);
        if (_convHost is not null)
        {
            _convHost.Forward(g, x, w, b, y, n);
            return y;
        }
        using Dev xd = Up(x), wd = Up(w), bd = Up(b), yd = Up(y);
        _convDevice!.Forward(g, xd.View, wd.View, bd.View, yd.View, n);
        return yd.GetAsArray1D();
    }

    public float[] ConvRForward(in Conv2dGeometry g, float[] x, float[] rx, float[] w, float[] vw, float[] vb, int n)
    {
        var ry = Filled(n * g.OutSize);
        if (_convHost is not null)
        {
            _convHost.RForward(g, x, rx, w, vw, vb, ry, n);
            return ry;
        }
        using Dev xd = Up(x), rxd = Up(rx), wd = Up(w), vwd = Up(vw), vbd = Up(vb), ryd = Up(ry);
        _convDevice!.RForward(g, xd.View, rxd.View, wd.View, vwd.View, vbd.View, ryd.View, n);
        return ryd.GetAsArray1D();
    }

    public float[] ConvBackwardInput(in Conv2dGeometry g, float[] bOut, float[] w, int n, int channels, int linearChannels)
    {
        var bIn = Filled(channels * n * g.InSize);
        if (_convHost is not null)
        {
            _convHost.BackwardInput(g, bOut, w, bIn, n, channels, linearChannels);
            return bIn;
        }
        using Dev bd = Up(bOut), wd = Up(w), id = Up(bIn);
        _convDevice!.BackwardInput(g, bd.View, wd.View, id.View, n, channels, linearChannels);
        return id.GetAsArray1D();
    }

    public (float[] DW, float[] Db) ConvBackwardWeight(in Conv2dGeometry g, float[] bOut, float[] x, int n, int channels, int linearChannels, bool bias)
    {
        float[] dW = Filled(channels * g.WeightLength), db = bias ? Filled(channels * g.OutChannels) : [];
        if (_convHost is not null)
        {
            _convHost.BackwardWeight(g, bOut, x, dW, db, n, channels, linearChannels);
            return (dW, db);
        }
        using Dev bd = Up(bOut), xd = Up(x), dWd = Up(dW), dbd = Up(db);
        _convDevice!.BackwardWeight(g, bd.View, xd.View, dWd.View, dbd.View, n, channels, linearChannels);
        return (dWd.GetAsArray1D(), bias ? dbd.GetAsArray1D() : []);
    }

    public float[] ConvRBackwardInput(in Conv2dGeometry g, float[] gOut, float[] rgOut, float[] w, float[] vw, int n)
    {
        var rgIn = Filled(n * g.InSize);
        if (_convHost is not null)
        {
            _convHost.RBackwardInput(g, gOut, rgOut, w, vw, rgIn, n);
            return rgIn;
        }
        using Dev gd = Up(gOut), rgd = Up(rgOut), wd = Up(w), vwd = Up(vw), id = Up(rgIn);
        _convDevice!.RBackwardInput(g, gd.View, rgd.View, wd.View, vwd.View, id.View, n);
        return id.GetAsArray1D();
    }

    public (float[] DW, float[] Db) ConvRBackwardWeight(in Conv2dGeometry g, float[] gOut, float[] rgOut, float[] x, float[] rx, int n, bool bias)
    {
        float[] dW = Filled(g.WeightLength), db = bias ? Filled(g.OutChannels) : [];
        if (_convHost is not null)
        {
            _convHost.RBackwardWeight(g, gOut, rgOut, x, rx, dW, db, n);
            return (dW, db);
        }
        using Dev gd = Up(gOut), rgd = Up(rgOut), xd = Up(x), rxd = Up(rx), dWd = Up(dW), dbd = Up(db);
        _convDevice!.RBackwardWeight(g, gd.View, rgd.View, xd.View, rxd.View, dWd.View, dbd.View, n);
        return (dWd.GetAsArray1D(), bias ? dbd.GetAsArray1D() : []);
    }

    public float[] ConvPatchFactor(in Conv2dGeometry g, float[] x, int n, bool bias)
    {
        int side = g.PatchLength + (bias ? 1 : 0);
        var omega = Filled(side * side);
        if (_convHost is not null)
        {
            _convHost.PatchFactor(g, x, omega, n, bias);
            return omega;
        }
        using Dev xd = Up(x), od = Up(omega);
        _convDevice!.PatchFactor(g, xd.View, od.View, n, bias);
        return od.GetAsArray1D();
    }

    public (float[] DW, float[] Db) ConvKfcWeight(in Conv2dGeometry g, float[] q, float[] x, int n, bool bias)
    {
        float[] dW = Filled(g.WeightLength), db = bias ? Filled(g.OutChannels) : [];
        if (_convHost is not null)
        {
            _convHost.KfcWeight(g, q, x, dW, db, n);
            return (dW, db);
        }
        using Dev qd = Up(q), xd = Up(x), dWd = Up(dW), dbd = Up(db);
        _convDevice!.KfcWeight(g, qd.View, xd.View, dWd.View, dbd.View, n);
        return (dWd.GetAsArray1D(), bias ? dbd.GetAsArray1D() : []);
    }

    public (float[] Y, int[] Arg) MaxForward(in Pool2dGeometry g, float[] x, int n)
    {
        var y = Filled(n * g.OutSize);
        var arg = Enumerable.Repeat(-7, n * g.OutSize).ToArray();
        if (_poolDevice is null)
        {
            _poolHost.MaxForward(g, x, y, arg, n);
            return (y, arg);
        }
        using Dev xd = Up(x), yd = Up(y);
        using var ad = _accelerator!.Allocate1D(arg);
        _poolDevice.MaxForward(g, xd.View, yd.View, ad.View, n);
        return (yd.GetAsArray1D(), ad.GetAsArray1D());
    }

    public float[] MaxBackward(in Pool2dGeometry g, float[] bOut, int[] arg, int n, int channels)
    {
        var bIn = Filled(channels * n * g.InSize);
        if (_poolDevice is null)
        {
            _poolHost.MaxBackward(g, bOut, arg, bIn, n, channels);
            return bIn;
        }
        using Dev bd = Up(bOut), id = Up(bIn);
        using var ad = _accelerator!.Allocate1D(arg);
        _poolDevice.MaxBackward(g, bd.View, ad.View, id.View, n, channels);
        return id.GetAsArray1D();
    }

    public float[] AvgForward(in Pool2dGeometry g, float[] x, int n)
    {
        var y = Filled(n * g.OutSize);
        if (_poolDevice is null)
        {
            _poolHost.AvgForward(g, x, y, n);
            return y;
        }
        using Dev xd = Up(x), yd = Up(y);
        _poolDevice.AvgForward(g, xd.View, yd.View, n);
        return yd.GetAsArray1D();
    }

    public float[] AvgBackward(in Pool2dGeometry g, float[] bOut, int n, int channels, int linearChannels)
    {
        var bIn = Filled(channels * n * g.InSize);
        if (_poolDevice is null)
        {
            _poolHost.AvgBackward(g, bOut, bIn, n, channels, linearChannels);
            return bIn;
        }
        using Dev bd = Up(bOut), id = Up(bIn);
        _poolDevice.AvgBackward(g, bd.View, id.View, n, channels, linearChannels);
        return id.GetAsArray1D();
    }

    private static float[] Filled(int length) => Enumerable.Repeat(Unwritten, length).ToArray();

    /// <summary>A device copy of <paramref name="values"/>; an empty array gives a zero-length view ("absent").</summary>
    private Dev Up(float[] values)
    {
        var buffer = _accelerator!.Allocate1D<float>(Math.Max(1, values.Length));
        if (values.Length > 0) buffer.CopyFromCPU(values);
        return new Dev(buffer, values.Length);
    }

    private sealed class Dev(MemoryBuffer1D<float, Stride1D.Dense> buffer, int length) : IDisposable
    {
        public ArrayView<float> View => buffer.View.SubView(0, length);

        public float[] GetAsArray1D() => buffer.GetAsArray1D();

        public void Dispose() => buffer.Dispose();
    }

    public void Dispose() => _convDevice?.Dispose();
}
