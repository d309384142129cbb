using HesScale.Gpu.Devices;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Layers;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// <see cref="LinearOps"/> on an ILGPU accelerator: <see cref="LinearKernels"/> (simple kernels),
/// <see cref="TiledLinearKernels"/> (shared-memory tiles, where <see cref="UsesTiledForward"/> and
/// <see cref="UsesTiledBackward"/> say so), and the comparison methods' Linear kernels
/// (<see cref="CurvatureKernels"/>, <see cref="RForwardKernels"/>, <see cref="CurvatureRBackwardKernels"/>).
/// The forward and backward kernels are compiled with the ops, the others on first use.
/// </summary>
internal sealed class IlgpuLinearOps : LinearOps
{
    private readonly IlgpuBackend _backend;
    private readonly Accelerator _accelerator;

    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _linearForward;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int> _linearBackwardInput;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int> _linearBackwardWeight;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, float>? _linearActivationForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, int, int, int, float, int>? _linearActivationBackward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, int, int, int, float, int, int>? _tiledLinearActivationBackward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>? _tiledForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>? _tiledBackwardInput;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int>? _tiledBackwardWeight;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>? _columnsThroughLinear;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>? _kfacWeight;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>? _rForwardLinear;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>? _rBackwardLinearInput;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>? _rBackwardLinearWeight;

    public IlgpuLinearOps(IlgpuBackend backend) : base(backend)
    {
        _backend = backend;
        _accelerator = backend.Accelerator;
        _linearForward = _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(LinearKernels.Forward);
        _linearBackwardInput = _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(LinearKernels.BackwardInput);
        _linearBackwardWeight = _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(LinearKernels.BackwardWeight);
    }

    private KernelConfig Config(int total) => _backend.LaunchShape(total);

    private KernelConfig TileConfig(int rows, int cols, int tile) => _backend.TileShape(rows, cols, tile);

    private int CheckedTile() => _backend.CheckedTile();

    private static ArrayView<float> V(DeviceBuffer buffer) => IlgpuBackend.View(buffer);

    private ArrayView<float> VOrDummy(DeviceBuffer? buffer) => _backend.ViewOrDummy(buffer);

    /// <summary>
    /// Whether a forward of these sizes takes the tiled kernel: tiles must exist and the output
    /// must fill at least one whole tile in each direction (a batch of 1 would leave most of each
    /// group idle, where the simple kernel gives every thread an output).
    /// </summary>
    public bool UsesTiledForward(int n, int outW) => _backend.Tile >= 2 && n >= _backend.Tile && outW >= _backend.Tile;

    /// <summary>
    /// Whether a Linear backward takes the tiled kernels: the channel-stacked rows (C N for the
    /// input stack) and the product widths must each fill a tile.
    /// </summary>
    public bool UsesTiledBackward(int n, int inW, int outW, int channels) =>
        _backend.Tile >= 2 && channels * n >= _backend.Tile && inW >= _backend.Tile && outW >= _backend.Tile && n >= _backend.Tile;

    public override void Forward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer y, int n, int inW, int outW)
    {
        if (UsesTiledForward(n, outW)) ForwardTiled(x, w, b, y, n, inW, outW);
        else _linearForward(Config(n * outW), V(x), V(w), VOrDummy(b), V(y), n, inW, outW, b is null ? 0 : 1);
    }

    /// <summary>One launch for Linear + activation below the tiling threshold; tiled product plus activation above it.</summary>
    public override void ForwardActivation(DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer a, LayerSpec activation, DeviceBuffer z, int n, int inW, int outW)
    {
        if (UsesTiledForward(n, outW))
        {
            base.ForwardActivation(x, w, b, a, activation, z, n, inW, outW);
            return;
        }
        _linearActivationForward ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, float>(LinearKernels.ForwardActivation);
        _linearActivationForward(Config(n * outW), V(x), V(w), VOrDummy(b), V(a), V(z), n, inW, outW, b is null ? 0 : 1, (int)activation.Kind, activation.Slope);
    }

    /// <summary>y (N, out) = x (N, in) W^T + b with the tiled kernel, whatever the sizes (tests call it directly).</summary>
    public void ForwardTiled(DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer y, int n, int inW, int outW)
    {
        int tile = CheckedTile();
        _tiledForward ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(TiledLinearKernels.Forward);
        _tiledForward(TileConfig(n, outW, tile), V(x), V(w), VOrDummy(b), V(y), n, inW, outW, b is null ? 0 : 1, tile);
    }

    public override void Backward(DeviceBuffer bOut, DeviceBuffer h, DeviceBuffer w, DeviceBuffer? bIn, DeviceBuffer dW, DeviceBuffer? db,
        int n, int inW, int outW, int channels, int linearChannels)
    {
        if (UsesTiledBackward(n, inW, outW, channels))
        {
            BackwardTiled(bOut, h, w, bIn, dW, db, n, inW, outW, channels, linearChannels);
            return;
        }
        int cols = inW + (db is null ? 0 : 1);
        _linearBackwardWeight(Config(channels * outW * cols), V(bOut), V(h), V(dW), VOrDummy(db), n, inW, outW, channels, linearChannels, db is null ? 0 : 1);
        if (bIn is not null)
            _linearBackwardInput(Config(channels * n * inW), V(bOut), V(w), V(bIn), n, inW, outW, channels, linearChannels);
    }

    /// <summary><see cref="Backward"/> with the tiled kernels, whatever the sizes (tests call it directly).</summary>
    public void BackwardTiled(DeviceBuffer bOut, DeviceBuffer h, DeviceBuffer w, DeviceBuffer? bIn, DeviceBuffer dW, DeviceBuffer? db,
        int n, int inW, int outW, int channels, int linearChannels)
    {
        int tile = CheckedTile();
        _tiledBackwardWeight ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int>(TiledLinearKernels.BackwardWeight);
        int hasBias = db is null ? 0 : 1;
        _tiledBackwardWeight(TileConfig(channels * outW, inW + hasBias, tile), V(bOut), V(h), V(dW), VOrDummy(db), n, inW, outW, channels, linearChannels, hasBias, tile);
        if (bIn is null) return;
        _tiledBackwardInput ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(TiledLinearKernels.BackwardInput);
        _tiledBackwardInput(TileConfig(channels * n, inW, tile), V(bOut), V(w), V(bIn), n, inW, outW, channels, linearChannels, tile);
    }

    /// <summary>
    /// The backward of a Linear layer and the activation before it in two launches: the weight product,
    /// then the input product written through s'(a), s''(a) (<see cref="LinearKernels.BackwardInputActivation"/>,
    /// tiled where <see cref="UsesTiledBackward"/> says so), instead of three.
    /// </summary>
    public override void BackwardActivation(DeviceBuffer bOut, DeviceBuffer w, LayerSpec activation, DeviceBuffer a, DeviceBuffer z,
        DeviceBuffer bz, DeviceBuffer ba, DeviceBuffer dW, DeviceBuffer? db, int n, int inW, int outW, int channels, int packedModes)
    {
        // The weight product alone (no input stack), simple or tiled by the same rule as Backward.
        Backward(bOut, z, w, null, dW, db, n, inW, outW, channels, 1);
        int kind = (int)activation.Kind;
        if (UsesTiledBackward(n, inW, outW, channels))
        {
            int tile = CheckedTile();
            _tiledLinearActivationBackward ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
                int, int, int, int, int, float, int, int>(TiledLinearKernels.BackwardInputActivation);
            _tiledLinearActivationBackward(TileConfig(n, inW, tile), V(bOut), V(w), V(a), V(z), V(bz), V(ba),
                n, inW, outW, channels, kind, activation.Slope, packedModes, tile);
            return;
        }
        _linearActivationBackward ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            int, int, int, int, int, float, int>(LinearKernels.BackwardInputActivation);
        _linearActivationBackward(Config(n * inW), V(bOut), V(w), V(a), V(z), V(bz), V(ba), n, inW, outW, channels, kind, activation.Slope, packedModes);
    }

    public override void ColumnsThrough(DeviceBuffer sOut, DeviceBuffer w, DeviceBuffer sIn, int columns, int n, int inW, int outW)
    {
        _columnsThroughLinear ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(CurvatureKernels.ThroughLinear);
        _columnsThroughLinear(Config(columns * n * inW), V(sOut), V(w), V(sIn), columns, n, inW, outW);
    }

    public override void KfacWeight(DeviceBuffer q, DeviceBuffer h, DeviceBuffer dW, DeviceBuffer? db, int n, int inW, int outW)
    {
        _kfacWeight ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(CurvatureKernels.KfacWeight);
        _kfacWeight(Config(outW * (inW + 1)), V(q), V(h), V(dW), VOrDummy(db), n, inW, outW, db is null ? 0 : 1);
    }

    public override void RForward(DeviceBuffer? rh, DeviceBuffer h, DeviceBuffer w, DeviceBuffer v, DeviceBuffer? vb, DeviceBuffer ra,
        int columns, int n, int inW, int outW)
    {
        _rForwardLinear ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(RForwardKernels.Linear);
        _rForwardLinear(Config(columns * n * outW), VOrDummy(rh), V(h), V(w), V(v), VOrDummy(vb), V(ra), columns, n, inW, outW, rh is null ? 0 : 1, vb is null ? 0 : 1);
    }

    public override void RBackwardInput(DeviceBuffer rg, DeviceBuffer g, DeviceBuffer w, DeviceBuffer v, DeviceBuffer rgIn, int columns, int n, int inW, int outW)
    {
        _rBackwardLinearInput ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(CurvatureRBackwardKernels.LinearInput);
        _rBackwardLinearInput(Config(columns * n * inW), V(rg), V(g), V(w), V(v), V(rgIn), columns, n, inW, outW);
    }

    public override void RBackwardWeight(DeviceBuffer rg, DeviceBuffer g, DeviceBuffer h, DeviceBuffer? rh, DeviceBuffer hv, DeviceBuffer? hvb,
        int columns, int n, int inW, int outW)
    {
        _rBackwardLinearWeight ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(CurvatureRBackwardKernels.LinearWeight);
        _rBackwardLinearWeight(Config(columns * outW * (inW + 1)), V(rg), V(g), V(h), VOrDummy(rh), V(hv), VOrDummy(hvb), columns, n, inW, outW, rh is null ? 0 : 1, hvb is null ? 0 : 1);
    }
}
