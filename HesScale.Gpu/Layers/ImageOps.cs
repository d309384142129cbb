using HesScale.Gpu.Devices;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Native;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Layers;

/// <summary>
/// The image layers' steps on a backend's <see cref="DeviceBuffer"/>s (<see cref="Conv2dLayer"/>, <see cref="Pool2dLayer"/>):
/// thin adapters over the compute ops (<see cref="Conv2dOps"/>, <see cref="Pool2dOps"/>, <see cref="ImageColumnKernels"/>),
/// written once in <see cref="ImageOps{TFloats, TInts}"/> over the backend's storage. Reached with
/// <c>backend.LayerOps(ImageOps.Create)</c>. Buffers may be longer than the rows a call uses: the ops see exact lengths.
/// Column stacks (R, N, width) go through the linear steps as R*N rows; the R-operator's directions are R per tensor.
/// </summary>
internal abstract class ImageOps
{
    /// <summary>The implementation for <paramref name="backend"/>.</summary>
    public static ImageOps Create(Backend backend) => backend switch
    {
        IlgpuBackend ilgpu => new IlgpuImageOps(ilgpu),
        NativeBackend native => new NativeImageOps(native),
        _ => throw new NotSupportedException($"No image layer ops for {backend.Name}."),
    };

    /// <summary>y (N, out) = conv(x, W) + b.</summary>
    public abstract void ConvForward(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer y, int n);

    /// <summary>Bin (C, N, in) = convT of B (C, N, out) with W for the first <paramref name="linearChannels"/> channels, W^2 for the rest.</summary>
    public abstract void ConvBackwardInput(in Conv2dGeometry g, DeviceBuffer bOut, DeviceBuffer w, DeviceBuffer bIn, int n, int channels, int linearChannels);

    /// <summary>dW (C, weight) and db (C, Cout) from the stack B (C, N, out) and x (N, in): x for linear channels, x^2 for the rest.</summary>
    public abstract void ConvBackwardWeight(in Conv2dGeometry g, DeviceBuffer bOut, DeviceBuffer x, DeviceBuffer dW, DeviceBuffer? db, int n, int channels, int linearChannels);

    /// <summary>The exact parameter diagonal of signed columns S (R, N, out) (<see cref="ImageColumnKernels.ConvColumnWeight"/>).</summary>
    public abstract void ConvColumnWeight(in Conv2dGeometry g, DeviceBuffer s, DeviceBuffer signs, DeviceBuffer x, DeviceBuffer dW, DeviceBuffer? db, int columns, int n, float scale);

    /// <summary>KFC's diagonal from column energies q (N, out) and x (N, in).</summary>
    public abstract void ConvKfcWeight(in Conv2dGeometry g, DeviceBuffer q, DeviceBuffer x, DeviceBuffer dW, DeviceBuffer? db, int n);

    /// <summary>R{y}_r (R, N, out) = conv(R{x}_r, W) + conv(x, V_r) + Vb_r; R{x} null is zero (the network input).</summary>
    public abstract void ConvRForward(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer w, DeviceBuffer v, DeviceBuffer? vb, DeviceBuffer ry, int columns, int n);

    /// <summary>
    /// Per direction r: R{g_in}_r = convT(R{g}_r, W) + convT(g, V_r) (unless <paramref name="rgIn"/> is null) and
    /// (H v)_r of W and b = corr(R{g}_r, x) + corr(g, R{x}_r), sum of R{g}_r.
    /// </summary>
    public abstract void ConvRBackward(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer gOut, DeviceBuffer rg, DeviceBuffer? rgIn,
        DeviceBuffer w, DeviceBuffer v, DeviceBuffer hv, DeviceBuffer? hvb, int columns, int n);

    /// <summary>y (N, out) = the pool of x (N, in).</summary>
    public abstract void PoolForward(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer y, int n);

    /// <summary>
    /// Bin (C, N, in) from B (C, N, out): a max pool routes every channel to the arg-max of x (recomputed from x: layers hold
    /// no buffers), an average pool spreads 1/k to the first <paramref name="linearChannels"/>, (1/k)^2 to the rest.
    /// </summary>
    public abstract void PoolBackward(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer bOut, DeviceBuffer bIn, int n, int channels, int linearChannels);

    /// <summary>R{y} (R, N, out) from R{x} (R, N, in): the pool's Jacobian at x (max: the arg-max's value; average: the average).</summary>
    public abstract void PoolRForward(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer rx, DeviceBuffer ry, int columns, int n);
}

/// <summary><see cref="ImageOps"/> written once over a backend's float storage <typeparamref name="TFloats"/> and int storage <typeparamref name="TInts"/>.</summary>
internal abstract class ImageOps<TFloats, TInts>(IConv2dOps<TFloats> conv, IPool2dOps<TFloats, TInts> pool) : ImageOps
{
    /// <summary><paramref name="length"/> values of <paramref name="buffer"/> from <paramref name="offset"/>, read by the next op.</summary>
    protected abstract TFloats In(DeviceBuffer buffer, int offset, int length);

    /// <summary>Storage the next op writes <paramref name="length"/> values of <paramref name="buffer"/> from <paramref name="offset"/> into (<see cref="Commit"/> finishes it).</summary>
    protected abstract TFloats Out(DeviceBuffer buffer, int offset, int length);

    /// <summary>An absent bias (empty).</summary>
    protected abstract TFloats None { get; }

    /// <summary>Scratch floats and the arg-max of a max pool's forward at x (N, in), valid until the next call.</summary>
    protected abstract (TFloats Y, TInts Arg) ArgScratch(int length);

    /// <summary>Writes back what <see cref="Out"/> handed out (native copies; nothing on devices).</summary>
    protected abstract void Commit();

    /// <summary>Drops what an op that threw before its <see cref="Commit"/> left handed out (nothing is written back).</summary>
    protected abstract void Begin();

    protected abstract void ColumnWeight(in Conv2dGeometry g, TFloats s, TFloats signs, TFloats x, TFloats dW, TFloats db, int columns, int n, float scale);

    protected abstract void MaxGather(TFloats rx, TInts arg, TFloats ry, int inSize, int outSize, int n, int rows);

    private TFloats Opt(DeviceBuffer? buffer, int length) => buffer is null ? None : In(buffer, 0, length);

    private TFloats OptOut(DeviceBuffer? buffer, int offset, int length) => buffer is null ? None : Out(buffer, offset, length);

    public override void ConvForward(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer y, int n)
    {
        Begin();
        conv.Forward(g, In(x, 0, n * g.InSize), In(w, 0, g.WeightLength), Opt(b, g.OutChannels), Out(y, 0, n * g.OutSize), n);
        Commit();
    }

    public override void ConvBackwardInput(in Conv2dGeometry g, DeviceBuffer bOut, DeviceBuffer w, DeviceBuffer bIn, int n, int channels, int linearChannels)
    {
        Begin();
        conv.BackwardInput(g, In(bOut, 0, channels * n * g.OutSize), In(w, 0, g.WeightLength), Out(bIn, 0, channels * n * g.InSize), n, channels, linearChannels);
        Commit();
    }

    public override void ConvBackwardWeight(in Conv2dGeometry g, DeviceBuffer bOut, DeviceBuffer x, DeviceBuffer dW, DeviceBuffer? db, int n, int channels, int linearChannels)
    {
        Begin();
        conv.BackwardWeight(g, In(bOut, 0, channels * n * g.OutSize), In(x, 0, n * g.InSize), Out(dW, 0, channels * g.WeightLength),
            OptOut(db, 0, channels * g.OutChannels), n, channels, linearChannels);
        Commit();
    }

    public override void ConvColumnWeight(in Conv2dGeometry g, DeviceBuffer s, DeviceBuffer signs, DeviceBuffer x, DeviceBuffer dW, DeviceBuffer? db, int columns, int n, float scale)
    {
        Begin();
        ColumnWeight(g, In(s, 0, columns * n * g.OutSize), In(signs, 0, columns * n), In(x, 0, n * g.InSize), Out(dW, 0, g.WeightLength),
            OptOut(db, 0, g.OutChannels), columns, n, scale);
        Commit();
    }

    public override void ConvKfcWeight(in Conv2dGeometry g, DeviceBuffer q, DeviceBuffer x, DeviceBuffer dW, DeviceBuffer? db, int n)
    {
        Begin();
        conv.KfcWeight(g, In(q, 0, n * g.OutSize), In(x, 0, n * g.InSize), Out(dW, 0, g.WeightLength), OptOut(db, 0, g.OutChannels), n);
        Commit();
    }

    public override void ConvRForward(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer w, DeviceBuffer v, DeviceBuffer? vb, DeviceBuffer ry, int columns, int n)
    {
        Begin();
        int inRows = n * g.InSize, outRows = n * g.OutSize;
        for (int r = 0; r < columns; r++)
        {
            var vbr = vb is null ? None : In(vb, r * g.OutChannels, g.OutChannels);
            if (rx is null) conv.Forward(g, In(x, 0, inRows), In(v, r * g.WeightLength, g.WeightLength), vbr, Out(ry, r * outRows, outRows), n);
            else conv.RForward(g, In(x, 0, inRows), In(rx, r * inRows, inRows), In(w, 0, g.WeightLength), In(v, r * g.WeightLength, g.WeightLength), vbr, Out(ry, r * outRows, outRows), n);
            Commit();
        }
    }

    public override void ConvRBackward(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer gOut, DeviceBuffer rg, DeviceBuffer? rgIn,
        DeviceBuffer w, DeviceBuffer v, DeviceBuffer hv, DeviceBuffer? hvb, int columns, int n)
    {
        Begin();
        int inRows = n * g.InSize, outRows = n * g.OutSize;
        for (int r = 0; r < columns; r++)
        {
            var hvbr = OptOut(hvb, r * g.OutChannels, g.OutChannels);
            if (rx is null) conv.BackwardWeight(g, In(rg, r * outRows, outRows), In(x, 0, inRows), Out(hv, r * g.WeightLength, g.WeightLength), hvbr, n, 1, 1);
            else conv.RBackwardWeight(g, In(gOut, 0, outRows), In(rg, r * outRows, outRows), In(x, 0, inRows), In(rx, r * inRows, inRows), Out(hv, r * g.WeightLength, g.WeightLength), hvbr, n);
            Commit();
            if (rgIn is null) continue;
            conv.RBackwardInput(g, In(gOut, 0, outRows), In(rg, r * outRows, outRows), In(w, 0, g.WeightLength), In(v, r * g.WeightLength, g.WeightLength), Out(rgIn, r * inRows, inRows), n);
            Commit();
        }
    }

    public override void PoolForward(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer y, int n)
    {
        Begin();
        if (g.IsMax != 0) pool.MaxForward(g, In(x, 0, n * g.InSize), Out(y, 0, n * g.OutSize), ArgScratch(n * g.OutSize).Arg, n);
        else pool.AvgForward(g, In(x, 0, n * g.InSize), Out(y, 0, n * g.OutSize), n);
        Commit();
    }

    private TInts ArgMax(in Pool2dGeometry g, DeviceBuffer x, int n)
    {
        var (y, arg) = ArgScratch(n * g.OutSize);
        pool.MaxForward(g, In(x, 0, n * g.InSize), y, arg, n);
        return arg;
    }

    public override void PoolBackward(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer bOut, DeviceBuffer bIn, int n, int channels, int linearChannels)
    {
        Begin();
        if (g.IsMax != 0) pool.MaxBackward(g, In(bOut, 0, channels * n * g.OutSize), ArgMax(g, x, n), Out(bIn, 0, channels * n * g.InSize), n, channels);
        else pool.AvgBackward(g, In(bOut, 0, channels * n * g.OutSize), Out(bIn, 0, channels * n * g.InSize), n, channels, linearChannels);
        Commit();
    }

    public override void PoolRForward(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer rx, DeviceBuffer ry, int columns, int n)
    {
        Begin();
        int rows = columns * n;
        if (g.IsMax != 0) MaxGather(In(rx, 0, rows * g.InSize), ArgMax(g, x, n), Out(ry, 0, rows * g.OutSize), g.InSize, g.OutSize, n, rows);
        else pool.AvgForward(g, In(rx, 0, rows * g.InSize), Out(ry, 0, rows * g.OutSize), rows);
        Commit();
    }
}

/// <summary>
/// The image ops on an ILGPU accelerator: views of the backend's buffers, launches counted by the backend. Conv products
/// take the tiled implicit-GEMM kernels where <see cref="Conv2dOps.Ilgpu.UsesTiles"/> says so (groups of 256 on a GPU: 16 x 16 tiles).
/// </summary>
internal sealed class IlgpuImageOps : ImageOps<ArrayView<float>, ArrayView<int>>, IDisposable
{
    private readonly IlgpuBackend _backend;
    private readonly Conv2dOps.Ilgpu _conv;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _none;
    private MemoryBuffer1D<float, Stride1D.Dense>? _scratchY;
    private MemoryBuffer1D<int, Stride1D.Dense>? _scratchArg;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, float, int> _columnWeight;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int, int> _maxGather;

    public IlgpuImageOps(IlgpuBackend backend) : this(backend, new Conv2dOps.Ilgpu(backend.Accelerator, backend.LaunchShape,
        new Conv2dOps.Tiling(backend.Tile, backend.GroupShape, backend.MaxGroups))) { }

    private IlgpuImageOps(IlgpuBackend backend, Conv2dOps.Ilgpu conv) : base(conv, new Pool2dOps.Ilgpu(backend.Accelerator, backend.LaunchShape))
    {
        _backend = backend;
        _conv = conv;
        var accelerator = backend.Accelerator;
        _none = accelerator.Allocate1D<float>(1);
        _columnWeight = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, float, int>(ImageColumnKernels.ConvColumnWeight);
        _maxGather = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int, int>(ImageColumnKernels.MaxGather);
    }

    protected override ArrayView<float> In(DeviceBuffer buffer, int offset, int length) => IlgpuBackend.ViewOf(buffer, offset, length);

    protected override ArrayView<float> Out(DeviceBuffer buffer, int offset, int length) => IlgpuBackend.ViewOf(buffer, offset, length);

    protected override ArrayView<float> None => _none.View.SubView(0, 0);

    protected override (ArrayView<float> Y, ArrayView<int> Arg) ArgScratch(int length)
    {
        if (_scratchY is null || _scratchY.Length < length)
        {
            _scratchY?.Dispose();
            _scratchArg?.Dispose();
            _scratchY = null;
            _scratchArg = null;
            _scratchY = _backend.Accelerator.Allocate1D<float>(length);
            _scratchArg = _backend.Accelerator.Allocate1D<int>(length);
        }
        return (_scratchY.View.SubView(0, length), _scratchArg!.View.SubView(0, length));
    }

    protected override void Commit() { }

    protected override void Begin() { }

    protected override void ColumnWeight(in Conv2dGeometry g, ArrayView<float> s, ArrayView<float> signs, ArrayView<float> x, ArrayView<float> dW, ArrayView<float> db,
        int columns, int n, float scale)
    {
        int bias = db.Length > 0 ? 1 : 0;
        _columnWeight(_backend.LaunchShape(g.OutChannels * (g.PatchLength + bias)), s, signs, x, dW, bias == 1 ? db : _none.View, g, columns, n, scale, bias);
    }

    protected override void MaxGather(ArrayView<float> rx, ArrayView<int> arg, ArrayView<float> ry, int inSize, int outSize, int n, int rows) =>
        _maxGather(_backend.LaunchShape(rows * outSize), rx, arg, ry, inSize, outSize, n, rows);

    public void Dispose()
    {
        _conv.Dispose();
        _none.Dispose();
        _scratchY?.Dispose();
        _scratchArg?.Dispose();
    }
}

/// <summary>
/// The image ops on the native CPU path: a buffer's host array when a call uses all of it, else a copy
/// (in) or a staging array copied back after the op (out). Copies and staging arrays are kept by length
/// and reused from call to call (no allocation per step once warm).
/// </summary>
internal sealed class NativeImageOps(NativeBackend backend) : ImageOps<float[], int[]>(new Conv2dOps.Native(backend.WideTiles, backend.Threads), new Pool2dOps.Native(backend.Threads))
{
    private readonly int _threads = backend.Threads;
    private readonly bool _wide = backend.WideTiles;

    private readonly List<(float[] Staged, DeviceBuffer Buffer, int Offset)> _pending = [];
    private readonly List<float[]> _inUse = [];
    private readonly Dictionary<int, Stack<float[]>> _free = [];
    private readonly Dictionary<int, (float[] Y, int[] Arg)> _argScratch = [];

    private float[] Rent(int length)
    {
        var array = _free.TryGetValue(length, out var stack) && stack.Count > 0 ? stack.Pop() : new float[length];
        _inUse.Add(array);
        return array;
    }

    protected override float[] In(DeviceBuffer buffer, int offset, int length)
    {
        var data = NativeBackend.HostArray(buffer);
        if (offset == 0 && data.Length == length) return data;
        var copy = Rent(length);
        data.AsSpan(offset, length).CopyTo(copy);
        return copy;
    }

    protected override float[] Out(DeviceBuffer buffer, int offset, int length)
    {
        var data = NativeBackend.HostArray(buffer);
        if (offset == 0 && data.Length == length) return data;
        // Refuse before the op runs (as ILGPU's SubView does), not when copying back.
        if ((uint)offset > (uint)buffer.Length || (uint)length > (uint)(buffer.Length - offset))
            throw new ArgumentOutOfRangeException(nameof(length), $"{length} values from {offset} do not fit a buffer of {buffer.Length}.");
        var staged = Rent(length);
        _pending.Add((staged, buffer, offset));
        return staged;
    }

    protected override float[] None => [];

    protected override (float[] Y, int[] Arg) ArgScratch(int length)
    {
        // One pair per length (the ops want exact lengths): the pool layers of a network differ in size, and a
        // fresh pair per call (6.4 MB each on 3c3d's first pool) was page-faulted in every step. A few lengths
        // per network and batch size; dropped all at once if many sizes come by.
        if (_argScratch.TryGetValue(length, out var pair)) return pair;
        if (_argScratch.Count >= 16) _argScratch.Clear();
        return _argScratch[length] = (new float[length], new int[length]);
    }

    protected override void Commit()
    {
        foreach (var (staged, buffer, offset) in _pending) staged.CopyTo(NativeBackend.HostArray(buffer).AsSpan(offset));
        Begin();
    }

    protected override void Begin()
    {
        _pending.Clear();
        foreach (var array in _inUse)
        {
            if (!_free.TryGetValue(array.Length, out var stack)) _free[array.Length] = stack = new Stack<float[]>();
            stack.Push(array);
        }
        _inUse.Clear();
    }

    protected override void ColumnWeight(in Conv2dGeometry g, float[] s, float[] signs, float[] x, float[] dW, float[] db, int columns, int n, float scale) =>
        ImageColumns.ConvColumnWeight(s, signs, x, dW, db, g, columns, n, scale, db.Length > 0, _threads, _wide);

    protected override void MaxGather(float[] rx, int[] arg, float[] ry, int inSize, int outSize, int n, int rows) =>
        ImageColumns.MaxGather(rx, arg, ry, inSize, outSize, n, rows);
}
