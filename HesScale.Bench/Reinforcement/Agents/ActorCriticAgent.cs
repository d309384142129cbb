using HesScale.Bench.Reinforcement.Environments;
using HesScale.Gpu;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Reinforcement;

namespace HesScale.Bench.Reinforcement.Agents;

/// <summary>
/// A2C and PPO with separate policy and value networks (in -> H tanh -> H tanh -> out). Discrete
/// actions: one policy network giving logits. Continuous actions: a mean network and a variance
/// network (one or two hidden layers) whose raw output z becomes the variance inside the Gaussian
/// losses (<see cref="AgentSettings.Variance"/>: softplus(z) + MinVariance, or the official exp).
/// Each network has its own optimizer; every update runs <see cref="Network.Backward(ReadOnlySpan{float}, int, IOutputLoss, ReadOnlySpan{CurvatureMethod})"/>
/// with the RL losses, so HesScale diagonals come from their exact output Hessians.
/// Rollouts of <c>RolloutSteps</c> x <c>Environments</c> transitions; truncated episodes bootstrap
/// with gamma V(final observation); advantages by GAE(lambda) (A2C: lambda = 1, n-step returns).
/// </summary>
public sealed class ActorCriticAgent : IDisposable
{
    private readonly AgentSettings _s;
    private readonly VectorEnvironment _env;
    private readonly Network _policy, _value;
    private readonly Network? _variance;
    private readonly INetworkOptimizer _policyOpt, _valueOpt;
    private readonly INetworkOptimizer? _varianceOpt;
    private readonly RunningMeanStd? _obsStats, _returnStats;
    private readonly Random _random;
    private readonly int _obsSize, _envObsSize, _actWidth, _classes, _batch;
    // Steps per copy stored by the last rollout (RolloutSteps, or fewer when it ended with an episode).
    private int _filled;
    // Steps taken in each copy's current episode (for the official A2C's time feature).
    private readonly int[] _episodeSteps;
    // Rollout storage, T x E (row t holds the E copies).
    private readonly float[] _obs, _actions, _logp, _values, _rewards, _advantages, _returns;
    private readonly bool[] _dones;
    private readonly float[] _rawObs, _nextRaw, _finalRaw, _stepRewards, _discounted;
    private readonly bool[] _term, _trunc;
    private readonly float[] _envActions;
    private readonly System.Diagnostics.Stopwatch _physics = new(), _inference = new(), _updates = new();

    public ActorCriticAgent(AgentSettings settings, ComputeDevice device)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(device);
        settings.Validate();
        _s = settings;
        try
        {
            _env = new VectorEnvironment(settings.Environment, settings.Environments, settings.Seed);
            var proto = _env.Prototype;
            _envObsSize = proto.ObservationSize;
            _obsSize = _envObsSize + (settings.TimeFeature ? 1 : 0);
            _classes = proto.DiscreteActions;
            _actWidth = _env.ActionWidth;
            int outputs = _classes > 0 ? _classes : proto.ActionSize;
            int seed = settings.Seed * 4;
            _policy = new Network(device, Mlp(_obsSize, settings.Hidden, outputs), seed: seed + 1);
            _value = new Network(device, Mlp(_obsSize, settings.Hidden, 1), seed: seed + 2);
            if (_classes == 0)
                _variance = new Network(device, Mlp(_obsSize, settings.Hidden, outputs, settings.VarianceHiddenLayers), seed: seed + 3);
            Initialize(settings);
            // Estimator-based optimizers (AdaHessian) draw their own seeds: one stream per network.
            var opt = settings.OptimizerSettings with { Seed = (ulong)(uint)settings.Seed * 3 };
            _policyOpt = OptimizerFactory.Create(settings.Optimizer, _policy, opt);
            _valueOpt = OptimizerFactory.Create(settings.ValueOptimizer ?? settings.Optimizer, _value, (settings.ValueOptimizerSettings ?? settings.OptimizerSettings) with { Seed = opt.Seed + 1 });
            if (_variance is not null) _varianceOpt = OptimizerFactory.Create(settings.Optimizer, _variance, opt with { Seed = opt.Seed + 2 });
            if (settings.NormalizeObservations) _obsStats = new RunningMeanStd(_obsSize);
            if (settings.ScaleRewards) _returnStats = new RunningMeanStd(1);
            _random = new Random(unchecked(settings.Seed * 31 + 17));

            int e = settings.Environments;
            _batch = settings.RolloutSteps * e;
            _obs = new float[_batch * _obsSize];
            _actions = new float[_batch * _actWidth];
            _logp = new float[_batch];
            _values = new float[_batch];
            _rewards = new float[_batch];
            _advantages = new float[_batch];
            _returns = new float[_batch];
            _dones = new bool[_batch];
            _rawObs = new float[e * _envObsSize];
            _nextRaw = new float[e * _envObsSize];
            _finalRaw = new float[e * _envObsSize];
            _episodeSteps = new int[e];
            _stepRewards = new float[e];
            _discounted = new float[e];
            _term = new bool[e];
            _trunc = new bool[e];
            _envActions = new float[e * _actWidth];
            _env.Reset(_rawObs);
        }
        catch
        {
            // A failed construction (e.g. a network the optimizer refuses) frees what it made: MuJoCo memory, device buffers.
            DisposeParts();
            throw;
        }
    }

    public AgentSettings Settings => _s;
    public long EnvironmentSteps => _env.TotalSteps;
    public IReadOnlyList<EpisodeRecord> Episodes => _env.Episodes;
    public int Updates { get; private set; }
    /// <summary>Step-size scale of the policy (mean) optimizer's last step.</summary>
    public float LastPolicyScale => _policyOpt.LastScale;
    /// <summary>Wall time inside the environments' Step (physics, auto-reset included).</summary>
    public TimeSpan PhysicsTime => _physics.Elapsed;
    /// <summary>Wall time of acting: policy and value forward passes, sampling and observation/reward normalisation.</summary>
    public TimeSpan InferenceTime => _inference.Elapsed;
    /// <summary>Wall time of the updates: mini-batch assembly, backward passes and optimizer steps (GAE falls outside all three timers).</summary>
    public TimeSpan UpdateTime => _updates.Elapsed;

    /// <summary>Mean return of the last <paramref name="count"/> finished episodes (NaN before the first).</summary>
    public double MeanReturn(int count)
    {
        var eps = _env.Episodes;
        if (eps.Count == 0) return double.NaN;
        int from = Math.Max(0, eps.Count - count);
        double sum = 0;
        for (int i = from; i < eps.Count; i++) sum += eps[i].Return;
        return sum / (eps.Count - from);
    }

    private static NetworkSpec Mlp(int input, int hidden, int output, int hiddenLayers = 2) => hiddenLayers == 1
        ? new(LayerSpec.Linear(input, hidden), LayerSpec.Tanh(), LayerSpec.Linear(hidden, output))
        : new(LayerSpec.Linear(input, hidden), LayerSpec.Tanh(), LayerSpec.Linear(hidden, hidden), LayerSpec.Tanh(), LayerSpec.Linear(hidden, output));

    private void Initialize(AgentSettings settings)
    {
        switch (settings.Initialization)
        {
            case InitializationScheme.ScaledOutput:
                ScaleLastLayer(_policy, 0.01f, null); // near-uniform / zero-mean initial policy
                if (_variance is not null) ScaleLastLayer(_variance, 0.01f, settings.InitialVarianceBias);
                break;
            case InitializationScheme.Orthogonal:
                var random = new Random(unchecked(settings.Seed * 131 + 7));
                NetworkInitialization.Orthogonal(_policy, Math.Sqrt(2), 0.01, random);
                NetworkInitialization.Orthogonal(_value, Math.Sqrt(2), 1.0, random);
                if (_variance is not null) NetworkInitialization.Orthogonal(_variance, Math.Sqrt(2), 0.01, random);
                break;
            case InitializationScheme.PyTorchDefault:
                break; // NetworkSpec.InitialParameters already is U(+-1/sqrt(fan_in)) for weights and biases
        }
    }

    private static void ScaleLastLayer(Network net, float gain, float? bias)
    {
        var ps = net.Spec.Parameters;
        int last = ps[^1].LayerIndex;
        foreach (var p in ps.Where(p => p.LayerIndex == last))
        {
            var values = net.GetParameter(p.Index);
            for (int i = 0; i < values.Length; i++) values[i] = p.IsWeight ? values[i] * gain : bias ?? 0f;
            net.SetParameter(p.Index, values);
        }
    }

    /// <summary>Runs rollouts and updates until at least <paramref name="steps"/> environment steps have been taken; <paramref name="afterUpdate"/> runs after each update.</summary>
    public void Train(long steps, Action<ActorCriticAgent>? afterUpdate = null)
    {
        while (_env.TotalSteps < steps)
        {
            CollectRollout();
            _updates.Start();
            try
            {
                Update();
            }
            finally
            {
                _updates.Stop();
            }
            Updates++;
            afterUpdate?.Invoke(this);
        }
    }

    /// <summary>
    /// The agent's view of E environment observations (E x envObs): with <see cref="AgentSettings.TimeFeature"/>
    /// one more column, -0.5 at reset and on the first step, then -0.5 + (k - 1)/T after step k (T the time
    /// limit), as the official A2C's AddTimeInfo wrapper (normalised with the rest). <paramref name="steps"/>(i)
    /// is the number of steps copy i has taken in the episode the observation belongs to.
    /// </summary>
    private float[] Observe(float[] envObs, Func<int, int> steps)
    {
        if (!_s.TimeFeature) return envObs;
        int e = _s.Environments;
        var x = new float[e * _obsSize];
        for (int i = 0; i < e; i++)
        {
            Array.Copy(envObs, i * _envObsSize, x, i * _obsSize, _envObsSize);
            x[i * _obsSize + _envObsSize] = (float)TimeFeatureValue(steps(i), _env.MaxEpisodeSteps);
        }
        return x;
    }

    /// <summary>AddTimeInfo's feature after <paramref name="steps"/> steps of an episode with time limit <paramref name="limit"/>: -0.5 for 0 and 1, then -0.5 + (steps - 1)/limit.</summary>
    public static double TimeFeatureValue(int steps, int limit) => -0.5 + Math.Max(0, steps - 1) / (double)limit;

    private float[] Normalized(float[] raw)
    {
        var x = new float[raw.Length];
        if (_obsStats is null) raw.CopyTo(x, 0);
        else _obsStats.Normalize(raw, x);
        return x;
    }

    private void CollectRollout()
    {
        int e = _s.Environments, o = _obsSize;
        var stepActions = new float[e * _actWidth];
        _filled = _s.RolloutSteps;
        for (int t = 0; t < _s.RolloutSteps; t++)
        {
            _inference.Start();
            var seen = Observe(_rawObs, i => _episodeSteps[i]);
            _obsStats?.Update(seen, e);
            var x = Normalized(seen);
            x.CopyTo(_obs, t * e * o);
            Act(x, e, stepActions, _logp.AsSpan(t * e, e));
            stepActions.CopyTo(_actions, t * e * _actWidth);
            var v = _value.Forward(x, e);
            _inference.Stop();
            CheckFinite(v, "value");
            v.CopyTo(_values, t * e);

            var envActions = ClipForEnvironment(stepActions);
            _physics.Start();
            try
            {
                _env.Step(envActions, _nextRaw, _stepRewards, _term, _trunc, _finalRaw);
            }
            finally
            {
                _physics.Stop();
            }
            _inference.Start();
            float[]? finalValues = null;
            for (int i = 0; i < e; i++)
            {
                float r = _stepRewards[i];
                if (_returnStats is not null)
                {
                    _discounted[i] = _discounted[i] * _s.Gamma + r;
                    _returnStats.Update([_discounted[i]], 1);
                    r = (float)(r / Math.Sqrt(_returnStats.Variance[0] + 1e-8));
                    if (_term[i] || _trunc[i]) _discounted[i] = 0;
                }
                if (_s.RewardClip > 0) r = Math.Clamp(r, -_s.RewardClip, _s.RewardClip);
                if (_s.BootstrapTimeLimits && _trunc[i] && !_term[i])
                {
                    // Time-limit truncation is not a terminal state: bootstrap from the final observation.
                    finalValues ??= _value.Forward(Normalized(Observe(_finalRaw, j => _episodeSteps[j] + 1)), e);
                    r += _s.Gamma * finalValues[i];
                }
                _rewards[t * e + i] = r;
                _dones[t * e + i] = _term[i] || _trunc[i];
            }
            for (int i = 0; i < e; i++) _episodeSteps[i] = _term[i] || _trunc[i] ? 0 : _episodeSteps[i] + 1;
            _nextRaw.CopyTo(_rawObs, 0);
            _inference.Stop();
            if (_s.EndRolloutOnDone && (_term[0] || _trunc[0]))
            {
                _filled = t + 1; // the official A2C updates when an episode ends or n transitions are stored
                break;
            }
        }
        _inference.Start();
        var last = _value.Forward(Normalized(Observe(_rawObs, i => _episodeSteps[i])), e);
        _inference.Stop();
        CheckFinite(last, "value");
        ComputeAdvantages(last);
    }

    /// <summary>gym's ClipAction: the environment sees the action clipped to its bounds, the loss the sampled one.</summary>
    private float[] ClipForEnvironment(float[] actions)
    {
        if (!_s.ClipActions || _classes > 0) return actions;
        var proto = _env.Prototype;
        var low = proto.ActionLow;
        var high = proto.ActionHigh;
        for (int i = 0; i < actions.Length; i++)
            _envActions[i] = Math.Clamp(actions[i], low[i % _actWidth], high[i % _actWidth]);
        return _envActions;
    }

    private void ComputeAdvantages(float[] lastValues)
    {
        int n = _filled * _s.Environments;
        Gae.Compute(_rewards.AsSpan(0, n), _values.AsSpan(0, n), _dones.AsSpan(0, n), lastValues, _filled, _s.Environments, _s.Gamma, _s.Lambda,
            _advantages.AsSpan(0, n), _returns.AsSpan(0, n));
    }

    private void Act(float[] x, int n, float[] actions, Span<float> logp)
    {
        if (_classes > 0)
        {
            var logits = _policy.Forward(x, n);
            CheckFinite(logits, "policy logits");
            Span<double> p = stackalloc double[_classes];
            for (int s = 0; s < n; s++)
            {
                var z = logits.AsSpan(s * _classes, _classes);
                PolicyMath.Softmax(z, p);
                double u = _random.NextDouble(), acc = 0;
                int a = _classes - 1;
                for (int c = 0; c < _classes; c++)
                {
                    acc += p[c];
                    if (u < acc) { a = c; break; }
                }
                actions[s] = a;
                logp[s] = (float)PolicyMath.LogProbability(z, a);
            }
            return;
        }
        int d = _actWidth;
        var variance = _s.Variance;
        var mu = _policy.Forward(x, n);
        var raw = _variance!.Forward(x, n);
        CheckFinite(mu, "policy mean");
        CheckFinite(raw, "policy variance");
        for (int s = 0; s < n; s++)
        {
            double lp = 0;
            for (int j = 0; j < d; j++)
            {
                int i = s * d + j;
                double v = variance.Value(raw[i]);
                double a = mu[i] + Math.Sqrt(v) * Gaussian();
                actions[i] = (float)a;
                lp += PolicyMath.GaussianLogDensity(actions[i], mu[i], v);
            }
            logp[s] = (float)lp;
        }
    }

    private double Gaussian()
    {
        double u1 = 1.0 - _random.NextDouble(), u2 = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private void Update()
    {
        int o = _obsSize, w = _actWidth;
        int batch = _filled * _s.Environments, minibatches = Math.Min(_s.Minibatches, batch);
        var order = Enumerable.Range(0, batch).ToArray();
        for (int epoch = 0; epoch < _s.Epochs; epoch++)
        {
            if (_s.Algorithm == RlAlgorithm.Ppo) _random.Shuffle(order);
            for (int mb = 0; mb < minibatches; mb++)
            {
                int from = mb * batch / minibatches, to = (mb + 1) * batch / minibatches, n = to - from;
                var x = new float[n * o];
                var act = new float[n * w];
                var oldLogp = new float[n];
                var adv = new float[n];
                var ret = new float[n];
                for (int j = 0; j < n; j++)
                {
                    int k = order[from + j];
                    Array.Copy(_obs, k * o, x, j * o, o);
                    Array.Copy(_actions, k * w, act, j * w, w);
                    oldLogp[j] = _logp[k];
                    adv[j] = _advantages[k];
                    ret[j] = _returns[k];
                }
                if (_s.NormalizeAdvantages) NormalizeInPlace(adv);
                UpdatePolicy(x, n, act, oldLogp, adv);
                _valueOpt.Minimize(_value, x, n, new MseLoss(ret));
            }
        }
        CheckParameters(_policy, "policy");
        CheckParameters(_value, "value");
        if (_variance is not null) CheckParameters(_variance, "variance");
    }

    private void UpdatePolicy(float[] x, int n, float[] act, float[] oldLogp, float[] adv)
    {
        bool ppo = _s.Algorithm == RlAlgorithm.Ppo;
        if (_classes > 0)
        {
            var indices = act.Select(a => (int)a).ToArray();
            IOutputLoss loss = ppo
                ? new PpoCategoricalLoss(_classes, indices, oldLogp, adv, _s.ClipEpsilon)
                : new PolicyGradientLoss(_classes, indices, adv);
            _policyOpt.Minimize(_policy, x, n, loss);
            return;
        }
        int d = _actWidth;
        // Both heads are differentiated at the same (pre-update) parameters: the variances from a forward pass,
        // the means from the mean network's own backward pass (captured before its step), saving one forward.
        var raw = _variance!.Forward(x, n);
        var transform = _s.Variance;
        var variances = raw.Select(z => (float)transform.Value(z)).ToArray();
        CheckFinite(variances, "policy variance");
        var meanLoss = new CapturingLoss(ppo
            ? new PpoGaussianMeanLoss(d, act, variances, oldLogp, adv, _s.ClipEpsilon, _s.HessianSign)
            : new GaussianMeanLoss(d, act, variances, adv, _s.HessianSign, _s.AverageOverActions));
        _policyOpt.Minimize(_policy, x, n, meanLoss);
        var mu = meanLoss.Outputs ?? throw new InvalidOperationException("The mean network's backward pass did not evaluate its loss.");
        CheckFinite(mu, "policy mean");
        IOutputLoss varianceLoss = ppo
            ? new PpoGaussianVarianceLoss(d, act, mu, oldLogp, adv, _s.ClipEpsilon, transform, _s.HessianSign)
            : new GaussianVarianceLoss(d, act, mu, adv, transform, _s.HessianSign, _s.AverageOverActions);
        _varianceOpt!.Minimize(_variance, x, n, varianceLoss);
    }

    private static void NormalizeInPlace(float[] values)
    {
        if (values.Length < 2) return;
        double mean = values.Average(v => (double)v);
        double var = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        double std = Math.Sqrt(var) + 1e-8;
        for (int i = 0; i < values.Length; i++) values[i] = (float)((values[i] - mean) / std);
    }

    private static void CheckFinite(float[] values, string what)
    {
        foreach (float v in values)
        {
            if (!float.IsFinite(v)) throw new NonFiniteValueException($"The {what} output is {v}: the network has diverged.");
        }
    }

    private static void CheckParameters(Network net, string what)
    {
        for (int p = 0; p < net.Spec.Parameters.Count; p++)
            CheckFinite(net.GetParameter(p), what + " parameter");
    }

    public void Dispose() => DisposeParts();

    // Null-tolerant: also frees a partly constructed agent (fields not yet assigned are null).
    private void DisposeParts()
    {
        _policyOpt?.Dispose();
        _valueOpt?.Dispose();
        _varianceOpt?.Dispose();
        _policy?.Dispose();
        _value?.Dispose();
        _variance?.Dispose();
        _env?.Dispose(); // MuJoCo copies hold native model/data memory: free it now, not at finalization
    }
}
