using HesScale.Gpu.Native;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// The conv2d operations every backend offers, one signature over the backend's storage (host arrays on the
/// native path, views on an ILGPU accelerator). Shapes per <see cref="Conv2dGeometry"/> and <see cref="Conv2dKernels"/>;
/// an empty bias buffer means no bias. Arguments are checked before anything runs (one-line
/// <see cref="ArgumentException"/>s naming the numbers).
/// </summary>
internal interface IConv2dOps<TFloats>
{
    /// <summary>y (N, Cout, OH, OW) = conv(x, W) + b.</summary>
    void Forward(in Conv2dGeometry g, TFloats x, TFloats w, TFloats b, TFloats y, int n);

    /// <summary>The R-operator: ry = conv(rx, W) + conv(x, V) + V_b (the forward twice, the second accumulating).</summary>
    void RForward(in Conv2dGeometry g, TFloats x, TFloats rx, TFloats w, TFloats vw, TFloats vb, TFloats ry, int n);

    /// <summary>
    /// Bin (C, N, Cin, H, W) = the transposed convolution of each channel of B (C, N, Cout, OH, OW) with W for the
    /// first <paramref name="linearChannels"/>, W^2 for the rest. Residual columns go through as a batch of
    /// columns x N with every channel linear.
    /// </summary>
    void BackwardInput(in Conv2dGeometry g, TFloats bOut, TFloats w, TFloats bIn, int n, int channels, int linearChannels);

    /// <summary>The R-operator backward to the input: R{g_in} (N, Cin, H, W) = convT(R{g}, W) + convT(g, V).</summary>
    void RBackwardInput(in Conv2dGeometry g, TFloats gOut, TFloats rgOut, TFloats w, TFloats vw, TFloats rgIn, int n);

    /// <summary>dW (C, Cout, Cin, kh, kw) = sum over batch and positions of B x (x^2 for curvature channels); db (C, Cout) = sum of B.</summary>
    void BackwardWeight(in Conv2dGeometry g, TFloats bOut, TFloats x, TFloats dW, TFloats db, int n, int channels, int linearChannels);

    /// <summary>The R-operator's parameter gradient: R{dW} = corr(R{g}, x) + corr(g, R{x}), R{db} = sum of R{g} (db empty: no bias).</summary>
    void RBackwardWeight(in Conv2dGeometry g, TFloats gOut, TFloats rgOut, TFloats x, TFloats rx, TFloats rdW, TFloats rdb, int n);

    /// <summary>KFC's input factor omega (K', K') = patches^T patches / (N*P), K' = Cin*kh*kw, +1 (the bias's constant) when <paramref name="hasBias"/>.</summary>
    void PatchFactor(in Conv2dGeometry g, TFloats x, TFloats omega, int n, bool hasBias);

    /// <summary>The KFC diagonal: dW = Gamma[o, o] Omega[k, k] with Gamma = sum of q (N, Cout, OH, OW) over batch and positions; db = Gamma[o, o].</summary>
    void KfcWeight(in Conv2dGeometry g, TFloats q, TFloats x, TFloats dW, TFloats db, int n);
}

/// <summary>Conv2d's entry points on both backends (<see cref="Native"/>, <see cref="Ilgpu"/>) and their argument checks.</summary>
internal static class Conv2dOps
{
    /// <summary>
    /// The native CPU path (<see cref="Conv2d"/>), with the panel-tile family of <see cref="Gemm.Panel"/>, on up to
    /// <paramref name="threads"/> threads (large calls only).
    /// </summary>
    public sealed class Native(bool wideTiles, int threads = 1) : IConv2dOps<float[]>
    {
        public void Forward(in Conv2dGeometry g, float[] x, float[] w, float[] b, float[] y, int n)
        {
            CheckForward(g, n, x.Length, w.Length, b.Length, y.Length);
            Conv2d.Forward(g, x, w, b, y, n, false, wideTiles, threads);
        }

        public void RForward(in Conv2dGeometry g, float[] x, float[] rx, float[] w, float[] vw, float[] vb, float[] ry, int n)
        {
            CheckRForward(g, n, x.Length, rx.Length, w.Length, vw.Length, vb.Length, ry.Length);
            Conv2d.Forward(g, rx, w, [], ry, n, false, wideTiles, threads);
            Conv2d.Forward(g, x, vw, vb, ry, n, true, wideTiles, threads);
        }

        public void BackwardInput(in Conv2dGeometry g, float[] bOut, float[] w, float[] bIn, int n, int channels, int linearChannels)
        {
            CheckBackwardInput(g, n, channels, linearChannels, bOut.Length, w.Length, bIn.Length);
            Conv2d.BackwardInput(g, bOut, w, bIn, n, channels, linearChannels, wideTiles, threads);
        }

        public void RBackwardInput(in Conv2dGeometry g, float[] gOut, float[] rgOut, float[] w, float[] vw, float[] rgIn, int n)
        {
            CheckRBackwardInput(g, n, gOut.Length, rgOut.Length, w.Length, vw.Length, rgIn.Length);
            Conv2d.BackwardInput(g, rgOut, w, rgIn, n, 1, 1, wideTiles, threads);
            Conv2d.BackwardInput(g, gOut, vw, rgIn, n, 1, 1, wideTiles, threads, accumulate: true);
        }

        public void BackwardWeight(in Conv2dGeometry g, float[] bOut, float[] x, float[] dW, float[] db, int n, int channels, int linearChannels)
        {
            CheckBackwardWeight(g, n, channels, linearChannels, bOut.Length, x.Length, dW.Length, db.Length);
            Conv2d.BackwardWeight(g, bOut, x, dW, db, n, channels, linearChannels, wideTiles, threads);
        }

        public void RBackwardWeight(in Conv2dGeometry g, float[] gOut, float[] rgOut, float[] x, float[] rx, float[] rdW, float[] rdb, int n)
        {
            CheckRBackwardWeight(g, n, gOut.Length, rgOut.Length, x.Length, rx.Length, rdW.Length, rdb.Length);
            Conv2d.BackwardWeight(g, rgOut, x, rdW, rdb, n, 1, 1, wideTiles, threads);
            Conv2d.BackwardWeight(g, gOut, rx, rdW, [], n, 1, 1, wideTiles, threads, accumulate: true);
        }

        public void PatchFactor(in Conv2dGeometry g, float[] x, float[] omega, int n, bool hasBias)
        {
            CheckPatchFactor(g, n, x.Length, omega.Length, hasBias);
            Conv2d.PatchFactor(g, x, omega, n, hasBias, wideTiles, threads);
        }

        public void KfcWeight(in Conv2dGeometry g, float[] q, float[] x, float[] dW, float[] db, int n)
        {
            CheckKfcWeight(g, n, q.Length, x.Length, dW.Length, db.Length);
            Conv2d.KfcWeight(g, q, x, dW, db, n);
        }
    }

    /// <summary>How <see cref="Ilgpu"/> tiles its products.</summary>
    /// <param name="Tile">The tile edge the accelerator's groups allow (<c>IlgpuBackend.Tile</c>); below 2 only the direct kernels run.</param>
    /// <param name="Groups">The backend's launch shape for a number of groups (<c>IlgpuBackend.GroupShape</c>, which counts launches).</param>
    /// <param name="MaxGroups">The most groups a launch gets (<c>IlgpuBackend.MaxGroups</c>): the split-K rule fills them.</param>
    /// <param name="Always">Take the tiled kernels whatever the sizes (tests: tiny shapes through the tiles).</param>
    /// <param name="Slices">Split-K slices of the weight product; 0 picks them (<see cref="Ilgpu.SlicesFor"/>), tests force them.</param>
    public sealed record Tiling(int Tile, Func<int, KernelConfig> Groups, int MaxGroups, bool Always = false, int Slices = 0);

    /// <summary>
    /// The kernels of <see cref="Conv2dKernels"/> (direct) and <see cref="TiledConv2dKernels"/> (implicit GEMM in
    /// shared-memory tiles) on one accelerator, compiled once here and launched with the owning backend's shapes.
    /// A product takes the tiled kernel when <see cref="UsesTiles"/> says so (each of its three GEMM dimensions
    /// fills a tile), the direct one otherwise; a tiled weight product is split along its reduction when it has too
    /// few blocks to fill the device (<see cref="SlicesFor"/>). Owns a one-float stand-in for an absent bias and the
    /// split's partial sums (disposed with it).
    /// </summary>
    public sealed class Ilgpu : IConv2dOps<ArrayView<float>>, IDisposable
    {
        /// <summary>Most split-K slices of one weight product.</summary>
        public const int MaxSlices = 64;

        private readonly Accelerator _accelerator;
        private readonly Func<int, KernelConfig> _launch;
        private readonly Tiling? _tiling;
        private readonly int _tile;
        private readonly MemoryBuffer1D<float, Stride1D.Dense> _none;
        private MemoryBuffer1D<float, Stride1D.Dense>? _partial;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int> _forward;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int, int> _backwardInput;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int, int, int> _backwardWeight;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int> _patchFactor;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int> _kfcWeight;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int, int>? _tiledForward;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int, int, int>? _tiledBackwardInput;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int, int, int, int>? _tiledBackwardWeight;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int, int, int, int>? _tiledBackwardWeightSlices;
        private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>? _sumSlices;

        /// <param name="accelerator">Where the kernels are loaded.</param>
        /// <param name="launch">The owning backend's grid-stride launch shape (<c>IlgpuBackend.LaunchShape</c>, which counts launches).</param>
        /// <param name="tiling">How to tile (null: the direct kernels only).</param>
        public Ilgpu(Accelerator accelerator, Func<int, KernelConfig> launch, Tiling? tiling = null)
        {
            if (tiling is { Always: true, Tile: < 2 }) throw new ArgumentException($"conv2d: tiles of {tiling.Tile} cannot be forced (groups too small).", nameof(tiling));
            _accelerator = accelerator;
            _launch = launch;
            _tiling = tiling is { Tile: >= 2 } ? tiling : null;
            _tile = _tiling is null ? 1 : Math.Min(_tiling.Tile, TiledLinearKernels.MaxTile);
            _forward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int>(Conv2dKernels.Forward);
            _backwardInput = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int, int>(Conv2dKernels.BackwardInput);
            _backwardWeight = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int, int, int>(Conv2dKernels.BackwardWeight);
            _patchFactor = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int>(Conv2dKernels.PatchFactor);
            _kfcWeight = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int>(Conv2dKernels.KfcWeight);
            if (_tiling is not null)
            {
                _tiledForward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int, int>(TiledConv2dKernels.Forward);
                _tiledBackwardInput = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int, int, int>(TiledConv2dKernels.BackwardInput);
                _tiledBackwardWeight = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int, int, int, int>(TiledConv2dKernels.BackwardWeight);
                _tiledBackwardWeightSlices = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dGeometry, int, int, int, int, int, int>(TiledConv2dKernels.BackwardWeightSlices);
                _sumSlices = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(TiledConv2dKernels.SumSlices);
            }
            _none = accelerator.Allocate1D<float>(1);
        }

        /// <summary>
        /// Whether a product of (<paramref name="rows"/>, <paramref name="reduce"/>) x (<paramref name="reduce"/>, <paramref name="cols"/>)
        /// takes the tiled kernel: tiles exist and each dimension fills one (below that most of a group would idle or
        /// multiply padding, where the direct kernel gives every thread an output). Forward: (Cout, K, N*P);
        /// backward input: (Cin, Cout*kh*kw, C*N*H*W); backward weight: (C*Cout, N*P, K + bias); K = Cin*kh*kw.
        /// </summary>
        public bool UsesTiles(long rows, long reduce, long cols) =>
            _tiling is not null && (_tiling.Always || (rows >= _tile && reduce >= _tile && cols >= _tile));

        /// <summary>
        /// Split-K slices of a tiled weight product of <paramref name="blocks"/> tile blocks and a reduction of
        /// <paramref name="reduce"/> (N*P): enough for blocks x slices to reach the grid's groups, each slice at least
        /// 4 tiles of the reduction, at most <see cref="MaxSlices"/>; 1 (no split, no second launch) when the blocks
        /// alone fill the grid. The simulator's grid is one group, so it never splits unless a test forces it.
        /// </summary>
        public int SlicesFor(int blocks, long reduce)
        {
            if (_tiling is null) return 1;
            if (_tiling.Slices > 0) return _tiling.Slices;
            long byGrid = _tiling.MaxGroups / Math.Max(1, blocks), byWork = reduce / (4L * _tile);
            return (int)Math.Max(1, Math.Min(MaxSlices, Math.Min(byGrid, byWork)));
        }

        private static int Blocks(long rows, long cols, int tile) => checked((int)(((rows + tile - 1) / tile) * ((cols + tile - 1) / tile)));

        private KernelConfig Launch(long total) => _launch(total <= int.MaxValue ? (int)total
            : throw new ArgumentOutOfRangeException(nameof(total), total, $"A kernel over {total} items is beyond int indexing; use a smaller batch."));

        private ArrayView<float> OrNone(ArrayView<float> view) => view.Length > 0 ? view : _none.View;

        /// <summary>
        /// The split's partial sums, <paramref name="length"/> floats (grown, never shrunk; freed in <see cref="Dispose"/>). Bounded by the
        /// grid: slices &lt;= MaxGroups / blocks and rows x cols &lt;= blocks x tile^2, so at most MaxGroups x tile^2 floats (2.2 MB on an H200).
        /// </summary>
        private ArrayView<float> Partial(long length)
        {
            if (_partial is null || _partial.Length < length)
            {
                _partial?.Dispose();
                _partial = null;
                _partial = _accelerator.Allocate1D<float>(length);
            }
            return _partial.View.SubView(0, length);
        }

        /// <summary>y = conv(x, W) (+ b), added to y when <paramref name="accumulate"/>; tiled or direct by <see cref="UsesTiles"/>.</summary>
        private void ForwardLaunch(in Conv2dGeometry g, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y, int n, bool accumulate)
        {
            int hasBias = b.Length > 0 ? 1 : 0, add = accumulate ? 1 : 0;
            long cols = (long)n * g.Positions;
            if (UsesTiles(g.OutChannels, g.PatchLength, cols))
                _tiledForward!(_tiling!.Groups(Blocks(g.OutChannels, cols, _tile)), x, w, OrNone(b), y, g, n, hasBias, add, _tile);
            else
                _forward(Launch((long)n * g.OutSize), x, w, OrNone(b), y, g, n, hasBias, add);
        }

        /// <summary>Bin = convT of the stack B (W, W^2 after <paramref name="linearChannels"/>), added to Bin when <paramref name="accumulate"/>.</summary>
        private void BackwardInputLaunch(in Conv2dGeometry g, ArrayView<float> bOut, ArrayView<float> w, ArrayView<float> bIn, int n, int channels, int linearChannels, bool accumulate)
        {
            int add = accumulate ? 1 : 0;
            long cols = (long)channels * n * g.Height * g.Width; // (ch, s, r, q)
            if (UsesTiles(g.InChannels, (long)g.OutChannels * g.KernelH * g.KernelW, cols))
                _tiledBackwardInput!(_tiling!.Groups(Blocks(g.InChannels, cols, _tile)), bOut, w, bIn, g, n, channels, linearChannels, add, _tile);
            else
                _backwardInput(Launch((long)channels * n * g.InSize), bOut, w, bIn, g, n, channels, linearChannels, add);
        }

        /// <summary>
        /// dW (and db unless empty) of the stack B with x (x^2 after <paramref name="linearChannels"/>), added to when
        /// <paramref name="accumulate"/>: the direct kernel, the tiled one, or the tiled one split along N*P and then
        /// <see cref="TiledConv2dKernels.SumSlices"/> (<see cref="TiledConv2dKernels.BackwardWeightSlices"/>: two launches).
        /// </summary>
        private void BackwardWeightLaunch(in Conv2dGeometry g, ArrayView<float> bOut, ArrayView<float> x, ArrayView<float> dW, ArrayView<float> db, int n, int channels, int linearChannels, bool accumulate)
        {
            int hasBias = db.Length > 0 ? 1 : 0, add = accumulate ? 1 : 0;
            int rows = channels * g.OutChannels, cols = g.PatchLength + hasBias;
            long reduce = (long)n * g.Positions;
            if (!UsesTiles(rows, reduce, cols))
            {
                _backwardWeight(Launch((long)rows * cols), bOut, x, dW, OrNone(db), g, n, channels, linearChannels, hasBias, add);
                return;
            }
            int blocks = Blocks(rows, cols, _tile);
            int slices = SlicesFor(blocks, reduce);
            if (slices == 1)
            {
                _tiledBackwardWeight!(_tiling!.Groups(blocks), bOut, x, dW, OrNone(db), g, n, channels, linearChannels, hasBias, add, _tile);
                return;
            }
            var partial = Partial((long)slices * rows * cols);
            _tiledBackwardWeightSlices!(_tiling!.Groups(checked(blocks * slices)), bOut, x, partial, g, n, channels, linearChannels, hasBias, slices, _tile);
            _sumSlices!(Launch((long)rows * cols), partial, dW, OrNone(db), rows, cols, g.PatchLength, slices, add);
        }

        public void Forward(in Conv2dGeometry g, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y, int n)
        {
            CheckForward(g, n, x.Length, w.Length, b.Length, y.Length);
            ForwardLaunch(g, x, w, b, y, n, false);
        }

        public void RForward(in Conv2dGeometry g, ArrayView<float> x, ArrayView<float> rx, ArrayView<float> w, ArrayView<float> vw, ArrayView<float> vb, ArrayView<float> ry, int n)
        {
            CheckRForward(g, n, x.Length, rx.Length, w.Length, vw.Length, vb.Length, ry.Length);
            ForwardLaunch(g, rx, w, _none.View.SubView(0, 0), ry, n, false);
            ForwardLaunch(g, x, vw, vb, ry, n, true);
        }

        public void BackwardInput(in Conv2dGeometry g, ArrayView<float> bOut, ArrayView<float> w, ArrayView<float> bIn, int n, int channels, int linearChannels)
        {
            CheckBackwardInput(g, n, channels, linearChannels, bOut.Length, w.Length, bIn.Length);
            BackwardInputLaunch(g, bOut, w, bIn, n, channels, linearChannels, false);
        }

        public void RBackwardInput(in Conv2dGeometry g, ArrayView<float> gOut, ArrayView<float> rgOut, ArrayView<float> w, ArrayView<float> vw, ArrayView<float> rgIn, int n)
        {
            CheckRBackwardInput(g, n, gOut.Length, rgOut.Length, w.Length, vw.Length, rgIn.Length);
            BackwardInputLaunch(g, rgOut, w, rgIn, n, 1, 1, false);
            BackwardInputLaunch(g, gOut, vw, rgIn, n, 1, 1, true);
        }

        public void BackwardWeight(in Conv2dGeometry g, ArrayView<float> bOut, ArrayView<float> x, ArrayView<float> dW, ArrayView<float> db, int n, int channels, int linearChannels)
        {
            CheckBackwardWeight(g, n, channels, linearChannels, bOut.Length, x.Length, dW.Length, db.Length);
            BackwardWeightLaunch(g, bOut, x, dW, db, n, channels, linearChannels, false);
        }

        public void RBackwardWeight(in Conv2dGeometry g, ArrayView<float> gOut, ArrayView<float> rgOut, ArrayView<float> x, ArrayView<float> rx, ArrayView<float> rdW, ArrayView<float> rdb, int n)
        {
            CheckRBackwardWeight(g, n, gOut.Length, rgOut.Length, x.Length, rx.Length, rdW.Length, rdb.Length);
            BackwardWeightLaunch(g, rgOut, x, rdW, rdb, n, 1, 1, false);
            BackwardWeightLaunch(g, gOut, rx, rdW, _none.View.SubView(0, 0), n, 1, 1, true);
        }

        public void PatchFactor(in Conv2dGeometry g, ArrayView<float> x, ArrayView<float> omega, int n, bool hasBias)
        {
            CheckPatchFactor(g, n, x.Length, omega.Length, hasBias);
            _patchFactor(Launch(omega.Length), x, omega, g, n, hasBias ? 1 : 0);
        }

        public void KfcWeight(in Conv2dGeometry g, ArrayView<float> q, ArrayView<float> x, ArrayView<float> dW, ArrayView<float> db, int n)
        {
            CheckKfcWeight(g, n, q.Length, x.Length, dW.Length, db.Length);
            _kfcWeight(Launch((long)g.OutChannels * (g.PatchLength + (db.Length > 0 ? 1 : 0))), q, x, dW, OrNone(db), g, n, db.Length > 0 ? 1 : 0);
        }

        public void Dispose()
        {
            _none.Dispose();
            _partial?.Dispose();
        }
    }

    /// <summary>Forward's lengths: x n input rows, W one weight, b empty or Cout, y n output rows.</summary>
    public static void CheckForward(in Conv2dGeometry g, int n, long x, long w, long b, long y)
    {
        g.CheckInput(n, x);
        g.CheckWeight(w);
        if (b != 0) g.CheckBias(b);
        g.CheckOutput(n, y);
    }

    /// <summary>RForward's lengths: x and rx n input rows, W and V one weight, V_b empty or Cout, ry n output rows.</summary>
    public static void CheckRForward(in Conv2dGeometry g, int n, long x, long rx, long w, long vw, long vb, long ry)
    {
        CheckForward(g, n, x, w, vb, ry);
        g.CheckInput(n, rx, "R{input}");
        g.CheckWeight(vw, 1, "weight direction");
    }

    /// <summary>BackwardInput's lengths: B channels x n output rows, W one weight, Bin channels x n input rows.</summary>
    public static void CheckBackwardInput(in Conv2dGeometry g, int n, int channels, int linearChannels, long bOut, long w, long bIn)
    {
        CheckChannels("conv2d", channels, linearChannels);
        g.CheckOutput(checked(n * channels), bOut, "output stack (channels x batch rows)");
        g.CheckWeight(w);
        g.CheckInput(checked(n * channels), bIn, "input stack (channels x batch rows)");
    }

    /// <summary>BackwardWeight's lengths: B channels x n output rows, x n input rows, dW channels weights, db empty or channels x Cout.</summary>
    public static void CheckBackwardWeight(in Conv2dGeometry g, int n, int channels, int linearChannels, long bOut, long x, long dW, long db)
    {
        CheckChannels("conv2d", channels, linearChannels);
        g.CheckOutput(checked(n * channels), bOut, "output stack (channels x batch rows)");
        g.CheckInput(n, x);
        g.CheckWeight(dW, channels, "weight stack");
        if (db != 0) g.CheckBias(db, channels, "bias stack");
    }

    /// <summary>RBackwardInput's lengths: g and R{g} n output rows, W and V one weight, R{g_in} n input rows.</summary>
    public static void CheckRBackwardInput(in Conv2dGeometry g, int n, long gOut, long rgOut, long w, long vw, long rgIn)
    {
        CheckBackwardInput(g, n, 1, 1, gOut, w, rgIn);
        g.CheckOutput(n, rgOut, "R{output gradient}");
        g.CheckWeight(vw, 1, "weight direction");
    }

    /// <summary>RBackwardWeight's lengths: g and R{g} n output rows, x and R{x} n input rows, R{dW} one weight, R{db} empty or Cout.</summary>
    public static void CheckRBackwardWeight(in Conv2dGeometry g, int n, long gOut, long rgOut, long x, long rx, long rdW, long rdb)
    {
        CheckBackwardWeight(g, n, 1, 1, gOut, x, rdW, rdb);
        g.CheckOutput(n, rgOut, "R{output gradient}");
        g.CheckInput(n, rx, "R{input}");
    }

    /// <summary>PatchFactor's lengths: x n input rows, omega K' x K'.</summary>
    public static void CheckPatchFactor(in Conv2dGeometry g, int n, long x, long omega, bool hasBias)
    {
        g.CheckInput(n, x);
        long side = g.PatchLength + (hasBias ? 1 : 0);
        if (omega != side * side)
            throw new ArgumentException($"conv2d: the patch factor has {omega} values, not K' x K' = {side} x {side} (K' = Cin*kh*kw{(hasBias ? " + 1" : "")} = {g.InChannels}*{g.KernelH}*{g.KernelW}{(hasBias ? " + 1" : "")}).");
    }

    /// <summary>KfcWeight's lengths: q n output rows, x n input rows, dW one weight, db empty or Cout.</summary>
    public static void CheckKfcWeight(in Conv2dGeometry g, int n, long q, long x, long dW, long db)
    {
        g.CheckOutput(n, q, "output curvature q");
        g.CheckInput(n, x);
        g.CheckWeight(dW);
        if (db != 0) g.CheckBias(db);
    }

    /// <summary>Throws unless 1 &lt;= channels and 0 &lt;= linearChannels &lt;= channels.</summary>
    internal static void CheckChannels(string layer, int channels, int linearChannels)
    {
        if (channels < 1 || linearChannels < 0 || linearChannels > channels)
            throw new ArgumentException($"{layer}: {channels} channels with {linearChannels} linear ones: need 1 <= channels and 0 <= linear <= channels.");
    }
}
