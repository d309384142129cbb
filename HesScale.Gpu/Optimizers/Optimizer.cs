using HesScale.Gpu.Curvature;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Optimizers;

/// <summary>
/// An optimizer updating a <see cref="Network"/>'s parameters in place on its device, one fused
/// kernel pass per parameter tensor. Call <see cref="Step(BackwardResult)"/> with the result of a
/// <c>Network.Backward</c> that computed <see cref="RequiredCurvature"/>. State (moments, step
/// counter) lives on the device; <see cref="GetState"/> / <see cref="SetState"/> copy it.
/// </summary>
public abstract class Optimizer : IDisposable
{
    private readonly string[] _slotNames;
    private readonly DeviceBuffer[][] _slots; // [slot][parameter], each tensor-length
    private bool _disposed;
    private BackwardResult? _lastEstimate;

    /// <summary>Identifiers accepted by <see cref="Create"/>, as used on the command line and in files.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["sgd", "adam", "adahesscale", "adahesscale_gn", "bl89", "adahessian", "adaggnmc", "scaled_adam", "scaled_adahesscale", "scaled_adahesscale_gn"];

    private protected Optimizer(string name, Network network, OptimizerSettings settings, CurvatureMethod? required, params string[] slotNames)
        : this(name, network, settings, required, null, slotNames)
    {
    }

    private protected Optimizer(string name, Network network, OptimizerSettings settings, CurvatureMethod? required, CurvatureMethod? estimator, params string[] slotNames)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Name = name;
        Network = network;
        Settings = settings;
        _required = required;
        RequiredEstimator = estimator;
        _slotNames = slotNames;
        var parameters = network.Spec.Parameters;
        _slots = new DeviceBuffer[slotNames.Length][];
        try
        {
            for (int s = 0; s < slotNames.Length; s++)
            {
                _slots[s] = new DeviceBuffer[parameters.Count];
                for (int p = 0; p < parameters.Count; p++) _slots[s][p] = Backend.Allocate(parameters[p].Length);
            }
        }
        catch
        {
            DisposeSlots();
            throw;
        }
    }

    /// <summary>
    /// A new optimizer <paramref name="name"/> (one of <see cref="Names"/>) for <paramref name="network"/>.
    /// Throws <see cref="ArgumentException"/> for an unknown name and
    /// <see cref="ArgumentOutOfRangeException"/> for invalid settings.
    /// </summary>
    public static Optimizer Create(string name, Network network, OptimizerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return name.ToLowerInvariant() switch
        {
            "sgd" => new SgdOptimizer(network, settings),
            "adam" => new AdaptiveOptimizer("adam", network, settings, null, Kernels.OptimizerMath.SourceGradientSquared),
            "adahesscale" => new AdaptiveOptimizer("adahesscale", network, settings, CurvatureMethod.HesScale, Kernels.OptimizerMath.SourceCurvatureSquared),
            "adahesscale_gn" => new AdaptiveOptimizer("adahesscale_gn", network, settings, CurvatureMethod.HesScaleGN, Kernels.OptimizerMath.SourceCurvatureSquared),
            "bl89" => new AdaptiveOptimizer("bl89", network, settings, CurvatureMethod.BL89, Kernels.OptimizerMath.SourceCurvatureAbs),
            "scaled_adam" => new ScaledOptimizer("scaled_adam", network, settings, CurvatureMethod.HesScale, Kernels.OptimizerMath.SourceGradientSquared),
            "scaled_adahesscale" => new ScaledOptimizer("scaled_adahesscale", network, settings, CurvatureMethod.HesScale, Kernels.OptimizerMath.SourceCurvatureSquared),
            "scaled_adahesscale_gn" => new ScaledOptimizer("scaled_adahesscale_gn", network, settings, CurvatureMethod.HesScaleGN, Kernels.OptimizerMath.SourceCurvatureSquared),
            "adahessian" => new AdaptiveOptimizer("adahessian", network, settings, CurvatureMethod.Hutchinson),
            "adaggnmc" => new AdaptiveOptimizer("adaggnmc", network, settings, CurvatureMethod.GgnMc),
            _ => throw new ArgumentException($"Unknown optimizer '{name}' (known: {string.Join(", ", Names)}).", nameof(name)),
        };
    }

    /// <summary>Identifier (see <see cref="Names"/>).</summary>
    public string Name { get; }
    /// <summary>The hyperparameters (validated).</summary>
    public OptimizerSettings Settings { get; }
    /// <summary>Curvature methods to request in <c>Network.Backward</c> for this optimizer (empty for SGD, Adam and the estimator optimizers; a new array per read).</summary>
    public CurvatureMethod[] RequiredCurvature => _required is null ? [] : [_required];

    private readonly CurvatureMethod? _required;
    /// <summary>
    /// Non-null for AdaHessian (Hutchinson) and AdaGGNMC (GgnMc): these step from a
    /// <see cref="CurvatureEstimator"/> result (<see cref="Step(BackwardResult)"/>) computed with
    /// <see cref="OptimizerSettings.Samples"/> samples and seed <see cref="NextSeed"/>.
    /// </summary>
    public CurvatureMethod? RequiredEstimator { get; }

    /// <summary>
    /// Seed for the estimate of the next step: a hash of <see cref="OptimizerSettings.Seed"/> and
    /// <see cref="Steps"/>, so that a resumed run draws the same samples.
    /// </summary>
    public ulong NextSeed => RandomMath.Mix(Settings.Seed + RandomMath.Golden * (ulong)(Steps + 1));

    /// <summary>Steps taken so far (t of the bias corrections).</summary>
    public long Steps { get; private set; }
    /// <summary>The scale alpha of the last step for scaled_* optimizers (read from the device on access), 1 otherwise.</summary>
    public virtual float LastScale => 1f;

    /// <summary>The network whose parameters this optimizer updates (fixed at creation).</summary>
    public Network Network { get; }
    internal Backend Backend => Network.Backend;

    /// <summary>Slot <paramref name="slot"/> (constructor order) of parameter tensor <paramref name="parameter"/> on the device.</summary>
    private protected DeviceBuffer Slot(int slot, int parameter) => _slots[slot][parameter];

    /// <summary>
    /// One update of the network's parameters from <paramref name="result"/>: the network's latest
    /// Backward, which must include <see cref="RequiredCurvature"/>, or for AdaHessian / AdaGGNMC
    /// (<see cref="RequiredEstimator"/>) a <see cref="CurvatureEstimator"/> result of that method on this
    /// network, usable for one step only. Runs on the device; no host read.
    /// </summary>
    public void Step(BackwardResult result)
    {
        using var _ = Network.EnterExclusive();
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(result);
        var inputs = RequiredEstimator is { } kind ? InputsFromEstimate(result, kind) : InputsFromBackward(result);
        Steps++;
        Update(inputs, Steps);
        Network.ParametersChanged();
    }

    /// <summary>The gradient and curvature tensors of a Backward result (checked current and complete).</summary>
    private TensorInputs[] InputsFromBackward(BackwardResult result)
    {
        if (result.IsEstimate)
            throw new InvalidOperationException($"Optimizer '{Name}' steps from Network.Backward results, not from a CurvatureEstimator's.");
        if (!ReferenceEquals(result.Network, Network))
            throw new ArgumentException($"The BackwardResult belongs to another network than optimizer '{Name}'s.", nameof(result));
        result.EnsureCurrent();
        int channel = 0;
        if (_required is not null)
        {
            channel = result.ChannelOf(_required);
            if (channel < 0)
                throw new InvalidOperationException(
                    $"Optimizer '{Name}' needs {_required.Id} in Network.Backward(..., methods) (requested: {string.Join(", ", result.Methods)}); pass optimizer.RequiredCurvature.");
        }
        var parameters = Network.Spec.Parameters;
        var inputs = new TensorInputs[parameters.Count];
        for (int p = 0; p < inputs.Length; p++)
        {
            var stack = Network.ResultStack(p);
            inputs[p] = new TensorInputs(stack, 0, stack, channel * parameters[p].Length);
        }
        return inputs;
    }

    /// <summary>The gradient and diagonal tensors of an estimator result (checked current, unused and of the right method).</summary>
    private TensorInputs[] InputsFromEstimate(BackwardResult estimate, CurvatureMethod kind)
    {
        if (!estimate.IsEstimate)
            throw new InvalidOperationException($"Optimizer '{Name}' steps from a CurvatureEstimator result ({kind.Id}); call CurvatureEstimator.Estimate with optimizer.RequiredEstimator.");
        if (estimate.Methods[0] != kind)
            throw new ArgumentException($"Optimizer '{Name}' needs a {kind.Id} estimate, got {estimate.Methods[0].Id}.", nameof(estimate));
        if (ReferenceEquals(estimate, _lastEstimate))
            throw new InvalidOperationException("This estimate was already used for a step; the parameters have changed since.");
        if (!ReferenceEquals(estimate.Network, Network))
            throw new ArgumentException($"The estimate belongs to another network than optimizer '{Name}'s.", nameof(estimate));
        estimate.EnsureCurrentForStep();
        var parameters = Network.Spec.Parameters;
        var inputs = new TensorInputs[parameters.Count];
        for (int p = 0; p < inputs.Length; p++)
        {
            DeviceBuffer g = estimate.EstimateBuffer(p, diagonal: false), h = estimate.EstimateBuffer(p, diagonal: true); // throw if the estimate is stale
            if (g.Length != parameters[p].Length || h.Length != parameters[p].Length)
                throw new ArgumentException($"The estimate's tensor {p} has {g.Length} values; this network's has {parameters[p].Length} (an estimate of another network?).", nameof(estimate));
            inputs[p] = new TensorInputs(g, 0, h, 0);
        }
        _lastEstimate = estimate;
        return inputs;
    }

    /// <summary>Runs the update kernels for step <paramref name="t"/> (1-based).</summary>
    private protected abstract void Update(TensorInputs[] inputs, long t);

    /// <summary>Copies the state to the host (moments per tensor, step counter, last scale).</summary>
    public OptimizerState GetState()
    {
        using var _ = Network.EnterExclusive();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var slots = new Dictionary<string, float[][]>(StringComparer.Ordinal);
        for (int s = 0; s < _slotNames.Length; s++)
        {
            var arrays = new float[_slots[s].Length][];
            for (int p = 0; p < arrays.Length; p++)
            {
                arrays[p] = new float[Network.Spec.Parameters[p].Length];
                _slots[s][p].Download(arrays[p]);
            }
            slots[_slotNames[s]] = arrays;
        }
        return new OptimizerState(Name, Steps, LastScale, RngState, slots);
    }

    /// <summary>Restores a state from <see cref="GetState"/> (same optimizer, same architecture).</summary>
    public void SetState(OptimizerState state)
    {
        using var _ = Network.EnterExclusive();
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Optimizer != Name)
            throw new ArgumentException($"The state belongs to optimizer '{state.Optimizer}', not '{Name}'.", nameof(state));
        var parameters = Network.Spec.Parameters;
        foreach (string name in _slotNames)
        {
            if (!state.Slots.TryGetValue(name, out var arrays))
                throw new ArgumentException($"The state of '{Name}' lacks slot '{name}'.", nameof(state));
            if (arrays.Length != parameters.Count)
                throw new ArgumentException($"Slot '{name}' has {arrays.Length} tensors; the network has {parameters.Count}.", nameof(state));
            for (int p = 0; p < parameters.Count; p++)
            {
                if (arrays[p] is null || arrays[p].Length != parameters[p].Length)
                    throw new ArgumentException($"Slot '{name}' tensor {p} has {arrays[p]?.Length ?? 0} values; layer {parameters[p].LayerIndex} {parameters[p].Name} has {parameters[p].Length}.", nameof(state));
            }
        }
        foreach (string name in state.Slots.Keys)
        {
            if (!_slotNames.Contains(name))
                throw new ArgumentException($"Optimizer '{Name}' has no slot '{name}' (slots: {string.Join(", ", _slotNames)}).", nameof(state));
        }
        for (int s = 0; s < _slotNames.Length; s++)
        {
            var arrays = state.Slots[_slotNames[s]];
            for (int p = 0; p < parameters.Count; p++) _slots[s][p].Upload(arrays[p]);
        }
        Steps = state.Steps;
        RestoreExtra(state);
    }

    /// <summary>State of the sampling stream (0 for optimizers that do not sample).</summary>
    private protected virtual ulong RngState => RequiredEstimator is null ? 0 : NextSeed;

    /// <summary>Restores what a subclass keeps besides its slots (last scale, RNG).</summary>
    private protected virtual void RestoreExtra(OptimizerState state) { }

    /// <summary>(1 - b^t) in double, as a float factor.</summary>
    private protected static double BiasCorrection(float beta, long t) => 1.0 - Math.Pow(beta, t);

    private void DisposeSlots()
    {
        foreach (var slot in _slots)
        {
            if (slot is null) continue;
            foreach (var b in slot) b?.Dispose();
        }
    }

    /// <summary>Releases the state slots on the device when <paramref name="disposing"/>.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed) return;
        if (disposing) DisposeSlots();
        _disposed = true;
    }

    /// <summary>Releases the optimizer's device state.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }
}
