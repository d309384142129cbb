using HesScale.Gpu;

using HesScale.Gpu.Performance;

namespace HesScale.Bench.Perf;

/// <summary>One timed pass: a forward pass alone, or Network.Backward with a set of curvature methods.</summary>
/// <param name="Name">Identifier in tables and CSV: forward, gradient, hesscale_gn, hesscale, bl89, all.</param>
/// <param name="Methods">Curvature requested next to the gradient; ignored by <paramref name="ForwardOnly"/>.</param>
/// <param name="ForwardOnly">Times <see cref="Network.Forward"/> (outputs back on the host) instead of Backward.</param>
public sealed record PassKind(string Name, CurvatureMethod[] Methods, bool ForwardOnly = false)
{
    public static readonly PassKind Forward = new("forward", [], ForwardOnly: true);
    public static readonly PassKind Gradient = new("gradient", []);

    /// <summary>Every kind, in table order: the gradient is the baseline of the relative column.</summary>
    public static readonly IReadOnlyList<PassKind> All =
    [
        Forward,
        Gradient,
        new("hesscale_gn", [CurvatureMethod.HesScaleGN]),
        new("hesscale", [CurvatureMethod.HesScale]),
        new("bl89", [CurvatureMethod.BL89]),
        new("all", [.. CurvatureMethod.Fused]),
    ];

    public static PassKind Parse(string name) =>
        All.FirstOrDefault(k => string.Equals(k.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown pass '{name}'; expected one of {string.Join(", ", All.Select(k => k.Name))}.", nameof(name));
}

/// <summary>
/// The cost grid: MLPs inputs -> depth x (Linear(width), activation) -> Linear(outputs) with
/// cross-entropy (mean), timed per pass kind. Shapes follow the paper's cost figure (method.md:
/// widths 64-512, 100 outputs, batch 1).
/// </summary>
public sealed record CostSettings
{
    public IReadOnlyList<int> Widths { get; init; } = [64, 128, 256, 512];
    public IReadOnlyList<int> Depths { get; init; } = [1, 2, 3];
    public int Batch { get; init; } = 1;
    public int Inputs { get; init; } = 64;
    public int Outputs { get; init; } = 100;
    public LayerKind Activation { get; init; } = LayerKind.Tanh;
    public IReadOnlyList<PassKind> Passes { get; init; } = PassKind.All;
    public TimingBudget Budget { get; init; } = new();
    public int Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Widths.Count == 0 || Widths.Any(w => w < 1)) throw new ArgumentException($"Widths must be a non-empty list of positive integers, got [{string.Join(", ", Widths)}].", nameof(Widths));
        if (Depths.Count == 0 || Depths.Any(d => d < 0)) throw new ArgumentException($"Depths must be a non-empty list of integers >= 0, got [{string.Join(", ", Depths)}].", nameof(Depths));
        if (Batch < 1) throw new ArgumentOutOfRangeException(nameof(Batch), Batch, "Batch must be at least 1.");
        if (Inputs < 1) throw new ArgumentOutOfRangeException(nameof(Inputs), Inputs, "Inputs must be at least 1.");
        if (Outputs < 2) throw new ArgumentOutOfRangeException(nameof(Outputs), Outputs, "Cross-entropy needs at least 2 outputs.");
        if (Activation == LayerKind.Linear) throw new ArgumentException("Activation must be an activation, not linear.", nameof(Activation));
        if (Passes.Count == 0) throw new ArgumentException("At least one pass kind is needed.", nameof(Passes));
        ArgumentNullException.ThrowIfNull(Budget);
        Budget.Validate();
    }

    /// <summary>The network of one grid point.</summary>
    public NetworkSpec Network(int width, int depth)
    {
        var layers = new List<LayerSpec>();
        int last = Inputs;
        for (int l = 0; l < depth; l++)
        {
            layers.Add(LayerSpec.Linear(last, width));
            layers.Add(LayerSpec.Activation(Activation));
            last = width;
        }
        layers.Add(LayerSpec.Linear(last, Outputs));
        return new NetworkSpec(layers);
    }
}

/// <summary>One measured grid point.</summary>
/// <param name="RelativeToGradient">Median over the gradient pass's median on the same network; NaN when the gradient was not timed.</param>
public sealed record CostRow(int Width, int Depth, int Batch, long Parameters, string Pass, TimingSummary Time, double RelativeToGradient);

/// <summary>Runs the cost grid on one device.</summary>
public static class CostExperiment
{
    /// <summary>Times every pass kind on every (depth, width) network; <paramref name="progress"/> sees each row when done.</summary>
    public static IReadOnlyList<CostRow> Run(ComputeDevice device, CostSettings settings, Action<CostRow>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var rows = new List<CostRow>();
        foreach (int depth in settings.Depths)
        {
            foreach (int width in settings.Widths)
            {
                var spec = settings.Network(width, depth);
                var (inputs, targets) = Problem(spec, settings.Batch, settings.Seed);
                using var network = new Network(device, spec, seed: settings.Seed);
                var loss = LossSpec.CrossEntropy();
                var ops = settings.Passes.Select(pass => pass.ForwardOnly
                    ? (Action)(() => network.Forward(inputs, settings.Batch))
                    : () => network.Backward(inputs, settings.Batch, targets, loss, pass.Methods)).ToArray();
                var times = OperationTimer.MeasureInterleaved(ops, settings.Budget);
                var timed = settings.Passes.Zip(times).ToArray();
                double baseline = timed.FirstOrDefault(t => t.First == PassKind.Gradient).Second?.Median ?? double.NaN;
                foreach (var (pass, time) in timed)
                {
                    var row = new CostRow(width, depth, settings.Batch, spec.ParameterCount, pass.Name, time, time.Median / baseline);
                    rows.Add(row);
                    progress?.Invoke(row);
                }
            }
        }
        return rows;
    }

    /// <summary>Inputs uniform in [-1, 1] and uniformly drawn classes, seeded.</summary>
    public static (float[] Inputs, Targets Targets) Problem(NetworkSpec spec, int batch, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var rng = new Random(seed);
        var inputs = new float[batch * spec.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)(rng.NextDouble() * 2 - 1);
        var classes = new int[batch];
        for (int n = 0; n < batch; n++) classes[n] = rng.Next(spec.OutputSize);
        return (inputs, Targets.FromClasses(classes));
    }
}
