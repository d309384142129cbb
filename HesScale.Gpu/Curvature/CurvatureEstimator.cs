using HesScale.Gpu.Devices;
using HesScale.Gpu.Engine;
using ILGPU;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Layers;

namespace HesScale.Gpu.Curvature;

/// <summary>
/// Every Hessian-diagonal estimator of the comparison (<see cref="CurvatureMethod"/>) on the network's
/// device. Each call runs the network's forward and gradient pass, then the estimator's own batched
/// kernels: factor columns backpropagated through the Jacobians (exact, GGN, GGN-MC, KFAC), the
/// R-operator (Hutchinson), or the engine's fused recursion (HesScale, HesScaleGN, BL89).
/// Random numbers are counter-based (seed, stream, index), so a seed gives the same numbers on
/// every backend. Buffers are allocated on first use and reused; not thread-safe.
/// </summary>
/// <remarks>
/// Scaling conventions: every estimate is of the Hessian of the reduced loss (mean or sum, as
/// <see cref="LossSpec"/> says), so the output factors carry 1/sqrt(M). GGN-MC and Hutchinson
/// average over their k samples. KFAC uses G = sum_n E[s_n s_n^T] (the MC GGN of the layer
/// outputs, with the 1/M of the loss) and A = (1/N) sum_n h_n h_n^T (BackPACK's convention); at
/// batch size 1 its diagonal has the same distribution as GGN-MC's.
/// </remarks>
public sealed class CurvatureEstimator : IDisposable
{
    private const ulong StreamGgnMc = 1, StreamKfac = 2, StreamHutchinson = 16;

    private readonly Network _network;
    private readonly Backend _backend;
    private readonly NetworkSpec _spec;
    private readonly DeviceBuffer[] _gradient;
    private readonly DeviceBuffer[] _diagonal;
    private readonly DeviceBuffer?[] _directions;
    private readonly DeviceBuffer?[] _products;
    private readonly DeviceBuffer?[] _rValues;
    private DeviceBuffer? _stackA, _stackB, _signs, _energy;
    private int _version;
    private bool _disposed;

    /// <summary>An estimator on <paramref name="network"/>'s device; its buffers are allocated per parameter tensor now and per pass on first use.</summary>
    public CurvatureEstimator(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        _network = network;
        _backend = network.Backend;
        _spec = network.Spec;
        var parameters = _spec.Parameters;
        _gradient = new DeviceBuffer[parameters.Count];
        _diagonal = new DeviceBuffer[parameters.Count];
        _directions = new DeviceBuffer?[parameters.Count];
        _products = new DeviceBuffer?[parameters.Count];
        _rValues = new DeviceBuffer?[_spec.Layers.Count];
        try
        {
            foreach (var p in parameters)
            {
                _gradient[p.Index] = _backend.Allocate(p.Length);
                _diagonal[p.Index] = _backend.Allocate(p.Length);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The network estimated on.</summary>
    public Network Network => _network;

    /// <summary>
    /// Loss, gradient and the <paramref name="kind"/> diagonal estimate for one batch.
    /// <paramref name="samples"/> (k) and <paramref name="seed"/> matter for GGN-MC, Hutchinson and KFAC.
    /// The result reads this estimator's buffers and is valid until the next call.
    /// </summary>
    public BackwardResult Estimate(ReadOnlySpan<float> inputs, int batch, Targets targets, LossSpec loss, CurvatureMethod kind, int samples = 1, ulong seed = 0)
    {
        using var _ = _network.EnterExclusive();
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(kind);
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "The number of samples must be at least 1.");
        if (samples > 4096) throw new ArgumentOutOfRangeException(nameof(samples), samples, "At most 4096 samples per call (call again with another seed for more).");
        _version++;
        float lossValue = kind.IsFused ? Fused(inputs, batch, targets, loss, kind)
            : kind == CurvatureMethod.BL89Official ? OfficialBl89(inputs, batch, targets, loss)
            : GradientPass(inputs, batch, targets, loss);
        int n = batch;
        if (kind == CurvatureMethod.GradSquared)
        {
            foreach (var p in _spec.Parameters) _backend.CopyPower(_gradient[p.Index], _diagonal[p.Index], 0, 0, p.Length, squared: true);
        }
        else if (kind == CurvatureMethod.Exact)
        {
            Columns(loss, n, CurvatureKernels.FactorExact, _spec.OutputSize, residual: true, kfac: false, 1f, seed, 0);
        }
        else if (kind == CurvatureMethod.Ggn)
        {
            Columns(loss, n, CurvatureKernels.FactorExact, _spec.OutputSize, residual: false, kfac: false, 1f, seed, 0);
        }
        else if (kind == CurvatureMethod.GgnMc)
        {
            Columns(loss, n, CurvatureKernels.FactorSampled, samples, residual: false, kfac: false, 1f / samples, seed, StreamGgnMc);
        }
        else if (kind == CurvatureMethod.Kfac)
        {
            Columns(loss, n, CurvatureKernels.FactorSampled, samples, residual: false, kfac: true, 1f / samples, seed, StreamKfac);
        }
        else if (kind == CurvatureMethod.Hutchinson)
        {
            foreach (var p in _spec.Parameters)
                _backend.Rademacher(Ensure(ref _directions[p.Index], samples * p.Length), samples * p.Length, seed, StreamHutchinson + (ulong)p.Index);
            HessianVectorProducts(n, samples, (ry, rg) => _backend.RLoss(loss, _network.LayerValues(_spec.Layers.Count - 1), ry, rg, samples, n, _spec.OutputSize));
            foreach (var p in _spec.Parameters)
                _backend.ProductMean(_directions[p.Index]!, _products[p.Index]!, _diagonal[p.Index], samples, p.Length, 1f / samples);
        }
        _backend.Synchronize();
        return new BackwardResult(this, _version, kind, lossValue, batch, kind.IsStochastic ? samples : 1);
    }

    /// <summary>
    /// Loss, gradient and the Hutchinson diagonal estimate (AdaHessian) for a host-evaluated
    /// <see cref="IOutputLoss"/> (the RL losses). The R-operator's loss step multiplies the output
    /// R-values by the loss's exact output Hessian (<see cref="IOutputHessianProduct"/>), or by its
    /// diagonal when the loss is separable and does not implement it. Only <see cref="CurvatureMethod.Hutchinson"/>.
    /// </summary>
    public BackwardResult Estimate(ReadOnlySpan<float> inputs, int batch, IOutputLoss loss, CurvatureMethod kind, int samples = 1, ulong seed = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(kind);
        if (kind != CurvatureMethod.Hutchinson)
            throw new ArgumentException($"Only the Hutchinson estimator runs on an IOutputLoss, got {kind}.", nameof(kind));
        if (samples < 1 || samples > 4096) throw new ArgumentOutOfRangeException(nameof(samples), samples, "The number of samples must lie in [1, 4096].");
        _version++;
        var result = _network.Backward(inputs, batch, loss);
        foreach (var p in _spec.Parameters)
            _backend.CopyPower(_network.ResultStack(p.Index), _gradient[p.Index], 0, 0, p.Length, squared: false);
        foreach (var p in _spec.Parameters)
            _backend.Rademacher(Ensure(ref _directions[p.Index], samples * p.Length), samples * p.Length, seed, StreamHutchinson + (ulong)p.Index);
        HessianVectorProducts(batch, samples, (ry, rg) => OutputHessianTimes(loss, batch, samples, ry, rg));
        foreach (var p in _spec.Parameters)
            _backend.ProductMean(_directions[p.Index]!, _products[p.Index]!, _diagonal[p.Index], samples, p.Length, 1f / samples);
        _backend.Synchronize();
        return new BackwardResult(this, _version, kind, result.Loss, batch, samples);
    }

    /// <summary>H v for given directions (one per parameter tensor) on a host-evaluated loss, by the R-operator with the loss's exact output Hessian; for tests.</summary>
    internal float[][] HessianVectorProduct(ReadOnlySpan<float> inputs, int batch, IOutputLoss loss, IReadOnlyList<float[]> v)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(v);
        if (v.Count != _spec.Parameters.Count) throw new ArgumentException($"Expected {_spec.Parameters.Count} direction tensors, got {v.Count}.", nameof(v));
        _version++;
        _network.Backward(inputs, batch, loss);
        foreach (var p in _spec.Parameters)
        {
            if (v[p.Index].Length != p.Length) throw new ArgumentException($"Direction {p.Index} must have {p.Length} values, got {v[p.Index].Length}.", nameof(v));
            Ensure(ref _directions[p.Index], p.Length).Upload(v[p.Index]);
        }
        HessianVectorProducts(batch, 1, (ry, rg) => OutputHessianTimes(loss, batch, 1, ry, rg));
        return _spec.Parameters.Select(p =>
        {
            var result = new float[p.Length];
            _products[p.Index]!.Download(result);
            return result;
        }).ToArray();
    }

    /// <summary>rg = (d2L/dy2) ry for each of the R columns (ry, rg: R x N x K), on the host.</summary>
    private void OutputHessianTimes(IOutputLoss loss, int n, int columns, DeviceBuffer ry, DeviceBuffer rg)
    {
        int k = _spec.OutputSize, plane = n * k;
        var outputs = new float[plane];
        _network.LayerValues(_spec.Layers.Count - 1).Download(outputs);
        var rIn = new float[columns * plane];
        var rOut = new float[columns * plane];
        ry.Download(rIn);
        if (loss is IOutputHessianProduct product)
        {
            for (int c = 0; c < columns; c++)
                product.HessianProduct(outputs, n, k, rIn.AsSpan(c * plane, plane), rOut.AsSpan(c * plane, plane));
        }
        else
        {
            var gradient = new float[plane];
            var diagonal = new float[plane];
            loss.Evaluate(outputs, n, k, gradient, diagonal);
            for (int i = 0; i < rIn.Length; i++) rOut[i] = diagonal[i % plane] * rIn[i];
        }
        rg.Upload(rOut);
    }

    /// <summary>H v for given directions (one per parameter tensor) by the R-operator; for tests and checks.</summary>
    internal float[][] HessianVectorProduct(ReadOnlySpan<float> inputs, int batch, Targets targets, LossSpec loss, IReadOnlyList<float[]> v)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(v);
        if (v.Count != _spec.Parameters.Count) throw new ArgumentException($"Expected {_spec.Parameters.Count} direction tensors, got {v.Count}.", nameof(v));
        _version++;
        GradientPass(inputs, batch, targets, loss);
        foreach (var p in _spec.Parameters)
        {
            if (v[p.Index].Length != p.Length) throw new ArgumentException($"Direction {p.Index} must have {p.Length} values, got {v[p.Index].Length}.", nameof(v));
            Ensure(ref _directions[p.Index], p.Length).Upload(v[p.Index]);
        }
        HessianVectorProducts(batch, 1, (ry, rg) => _backend.RLoss(loss, _network.LayerValues(_spec.Layers.Count - 1), ry, rg, 1, batch, _spec.OutputSize));
        return _spec.Parameters.Select(p =>
        {
            var result = new float[p.Length];
            _products[p.Index]!.Download(result);
            return result;
        }).ToArray();
    }

    internal void EnsureCurrent(int version)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (version != _version)
            throw new InvalidOperationException("This estimate was superseded by a later Estimate on the same estimator; read results before the next call.");
    }

    /// <summary>The gradient or diagonal buffer of a result of Estimate call <paramref name="version"/>; throws when superseded.</summary>
    internal DeviceBuffer ResultBuffer(int version, int parameter, bool diagonal)
    {
        EnsureCurrent(version);
        return (diagonal ? _diagonal : _gradient)[CheckParameter(parameter)];
    }

    /// <summary>Copies a result's gradient or diagonal of parameter <paramref name="parameter"/> into <paramref name="destination"/>.</summary>
    internal void CopyResult(int version, int parameter, bool diagonal, Span<float> destination)
    {
        using var _ = _network.EnterExclusive();
        var buffer = ResultBuffer(version, parameter, diagonal);
        Network.CheckDestination(_spec.Parameters[parameter], destination);
        buffer.Download(destination);
    }

    /// <summary>A result's gradient or diagonal as a view of this estimator's device buffer (ILGPU devices only).</summary>
    internal ArrayView<float> ResultView(int version, int parameter, bool diagonal)
    {
        using var _ = _network.EnterExclusive();
        var buffer = ResultBuffer(version, parameter, diagonal);
        if (_backend is not IlgpuBackend)
            throw new NotSupportedException($"Views need an ILGPU device (cuda, opencl, ilgpu-cpu); {_network.Device.Name} is the native CPU path: use Gradient/Curvature or the Copy* methods there.");
        return IlgpuBackend.ViewOf(buffer, 0, _spec.Parameters[parameter].Length);
    }

    private int CheckParameter(int parameter) => (uint)parameter < (uint)_gradient.Length
        ? parameter
        : throw new ArgumentOutOfRangeException(nameof(parameter), parameter, $"The network has {_gradient.Length} parameter tensors.");

    // ---- passes ----

    /// <summary>The engine's fused pass with one method: channel 0 the gradient, channel 1 the diagonal.</summary>
    private float Fused(ReadOnlySpan<float> inputs, int batch, Targets targets, LossSpec loss, CurvatureMethod method)
    {
        var result = _network.Backward(inputs, batch, targets, loss, method);
        CopyResult(result.ChannelOf(method));
        return result.Loss;
    }

    private float OfficialBl89(ReadOnlySpan<float> inputs, int batch, Targets targets, LossSpec loss)
    {
        if (loss.Kind != LossKind.CrossEntropy) return Fused(inputs, batch, targets, loss, CurvatureMethod.HesScale);
        targets.Validate(loss, batch, _spec.OutputSize);
        var result = _network.Backward(inputs, batch, new OfficialBl89Loss(targets.Classes!, loss), CurvatureMethod.HesScale);
        CopyResult(result.ChannelOf(CurvatureMethod.HesScale));
        return result.Loss;
    }

    private void CopyResult(int channel)
    {
        foreach (var p in _spec.Parameters)
        {
            var stack = _network.ResultStack(p.Index);
            _backend.CopyPower(stack, _gradient[p.Index], 0, 0, p.Length, squared: false);
            _backend.CopyPower(stack, _diagonal[p.Index], channel * p.Length, 0, p.Length, squared: false);
        }
    }

    /// <summary>Forward and gradient pass; leaves layer values and per-layer gradients in the network's workspace.</summary>
    private float GradientPass(ReadOnlySpan<float> inputs, int batch, Targets targets, LossSpec loss)
    {
        var result = _network.Backward(inputs, batch, targets, loss);
        foreach (var p in _spec.Parameters)
            _backend.CopyPower(_network.ResultStack(p.Index), _gradient[p.Index], 0, 0, p.Length, squared: false);
        return result.Loss;
    }

    // Column stacks hold columns x batch x width values: exact's residual columns grow by each
    // activation's width (C*H*W on conv nets), so the sizes are computed in long and refused in one line.
    private int Capacity(long length, int n) => length <= int.MaxValue / 2 ? (int)length
        : throw new ArgumentOutOfRangeException(nameof(n), n,
            $"This estimate needs a column stack of {length} values (columns x batch {n} x layer width), beyond one buffer; use a smaller batch or fewer samples, or a cheaper method.");

    /// <summary>
    /// Backpropagates R signed factor columns per sample from the output (R = K exact factors or
    /// R = k samples), adding the activations' residual columns when <paramref name="residual"/>;
    /// each layer with parameters turns the column energies into its parameter diagonals (Linear: sum_n q h^2, or KFAC's).
    /// </summary>
    private void Columns(LossSpec loss, int n, int mode, int columns, bool residual, bool kfac, float scale, ulong seed, ulong stream)
    {
        var layers = _spec.LayerObjects;
        int last = layers.Count - 1, k = _spec.OutputSize;

        // Capacities: columns grow at each layer that adds residual columns when residuals are kept.
        long cols = columns, stack = cols * n * k;
        int maxWidth = k;
        for (int l = last; l >= 0; l--)
        {
            if (residual) cols += layers[l].ResidualColumns;
            stack = Math.Max(stack, cols * n * layers[l].In);
            maxWidth = Math.Max(maxWidth, layers[l].Out);
        }
        var current = Ensure(ref _stackA, Capacity(stack, n));
        var other = Ensure(ref _stackB, Capacity(stack, n));
        var signs = Ensure(ref _signs, Capacity(cols * n, n));
        var energy = Ensure(ref _energy, n * maxWidth);

        _backend.OutputFactors(loss, _network.LayerValues(last), current, signs, n, k, columns, mode, seed, stream);
        var pass = new ColumnPass(signs, energy, n, residual, kfac, scale);
        int c = columns;
        for (int l = last; l >= 0; l--)
        {
            var layer = layers[l];
            c = layer.Columns(_backend, pass, _network.LayerInput(l), _network.LayerGradient(l), current, other,
                _network.LayerParameters(layer), Network.TensorsOf(_diagonal, layer), c, first: l == 0);
            (current, other) = (other, current);
        }
    }

    /// <summary>
    /// H v for the R directions in <see cref="_directions"/> into <see cref="_products"/> (R-forward, R-loss, R-backward);
    /// <paramref name="rLoss"/>(R{y}, R{g_y}) is the loss's step, both R x N x K.
    /// </summary>
    private void HessianVectorProducts(int n, int columns, Action<DeviceBuffer, DeviceBuffer> rLoss)
    {
        var layers = _spec.LayerObjects;
        int last = layers.Count - 1;
        int maxWidth = Math.Max(_spec.InputSize, _spec.Widths.Max());
        foreach (var p in _spec.Parameters) Ensure(ref _products[p.Index], columns * p.Length);
        var directions = _directions!;
        var products = _products!;
        for (int l = 0; l <= last; l++)
        {
            var layer = layers[l];
            var rv = Ensure(ref _rValues[l], Capacity((long)columns * n * layer.Out, n));
            layer.RForward(_backend, _network.LayerInput(l), l == 0 ? null : _rValues[l - 1], rv,
                _network.LayerParameters(layer), Network.TensorsOf(directions, layer), columns, n);
        }

        var current = Ensure(ref _stackA, Capacity((long)columns * n * maxWidth, n));
        var other = Ensure(ref _stackB, Capacity((long)columns * n * maxWidth, n));
        rLoss(_rValues[last]!, current);
        for (int l = last; l >= 0; l--)
        {
            var layer = layers[l];
            layer.RBackward(_backend, _network.LayerInput(l), l == 0 ? null : _rValues[l - 1], _network.LayerGradient(l), current, l == 0 ? null : other,
                _network.LayerParameters(layer), Network.TensorsOf(directions, layer), Network.TensorsOf(products, layer), columns, n);
            (current, other) = (other, current);
        }
    }

    private DeviceBuffer Ensure(ref DeviceBuffer? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer?.Dispose();
            buffer = null;
            buffer = _backend.Allocate(length);
        }
        return buffer;
    }

    /// <summary>Releases the estimator's device buffers (results read from them become unreadable).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var b in _gradient) b?.Dispose();
        foreach (var b in _diagonal) b?.Dispose();
        foreach (var b in _directions) b?.Dispose();
        foreach (var b in _products) b?.Dispose();
        foreach (var b in _rValues) b?.Dispose();
        _stackA?.Dispose();
        _stackB?.Dispose();
        _signs?.Dispose();
        _energy?.Dispose();
    }
}
