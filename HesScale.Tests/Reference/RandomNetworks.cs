using HesScale.Gpu;
using HesScale.Reference;

namespace HesScale.Tests.Reference;

/// <summary>A small seeded problem: network, inputs (N x in), targets and loss.</summary>
internal sealed record Problem(ReferenceNetwork Net, double[][] Parameters, double[] Inputs, int Batch, ReferenceTargets Targets, LossSpec Loss)
{
    public double LossAt(double[][] parameters) => Net.WithParameters(parameters).Loss(Inputs, Batch, Targets, Loss);
    public double[][] GradientAt(double[][] parameters) => Net.WithParameters(parameters).Gradient(Inputs, Batch, Targets, Loss);
    public double[] ForwardAt(double[][] parameters) => Net.WithParameters(parameters).Forward(Inputs, Batch);
    public double[][] Gradient() => Net.Gradient(Inputs, Batch, Targets, Loss);
    public double[][] Exact() => Net.ExactDiagonal(Inputs, Batch, Targets, Loss);
    public double[][] Ggn() => Net.GgnDiagonal(Inputs, Batch, Targets, Loss);
    public double[][] Curvature(CurvatureMethod m) => Net.Curvature(Inputs, Batch, Targets, Loss, m);
}

/// <summary>Tiny seeded random MLPs (odd widths), parameters, inputs and targets for both losses.</summary>
internal static class RandomNetworks
{
    public static readonly LayerKind[] Activations =
        [LayerKind.Tanh, LayerKind.Sigmoid, LayerKind.ReLU, LayerKind.LeakyReLU, LayerKind.ELU, LayerKind.SELU, LayerKind.Softplus, LayerKind.Identity];

    public static readonly LossSpec[] Losses =
        [LossSpec.Mse(Reduction.Mean), LossSpec.Mse(Reduction.Sum), LossSpec.CrossEntropy(Reduction.Mean), LossSpec.CrossEntropy(Reduction.Sum)];

    /// <summary>Every activation with every loss and reduction.</summary>
    public static IEnumerable<object[]> ActivationsAndLosses =>
        from a in Activations from l in Losses select new object[] { a, l.Kind, l.Reduction };

    /// <summary>Every activation with both losses (mean reduction).</summary>
    public static IEnumerable<object[]> ActivationsAndLossKinds =>
        from a in Activations from k in new[] { LossKind.MeanSquaredError, LossKind.CrossEntropy } select new object[] { a, k };

    /// <summary>widths = in, hidden..., out; Linear layers (with bias) joined by <paramref name="activation"/> (none if null).</summary>
    public static NetworkSpec Mlp(LayerKind? activation, params int[] widths)
    {
        var layers = new List<LayerSpec>();
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            if (i > 0 && activation is { } a) layers.Add(a == LayerKind.LeakyReLU ? LayerSpec.LeakyReLU(0.1f) : LayerSpec.Activation(a));
            layers.Add(LayerSpec.Linear(widths[i], widths[i + 1]));
        }
        return new NetworkSpec(layers);
    }

    public static double[][] Parameters(NetworkSpec spec, Random rng, double scale = 0.8) =>
        spec.Parameters.Select(p => Uniform(rng, p.Length, scale)).ToArray();

    public static double[] Uniform(Random rng, int length, double scale)
    {
        var x = new double[length];
        for (int i = 0; i < length; i++) x[i] = (rng.NextDouble() * 2 - 1) * scale;
        return x;
    }

    public static ReferenceTargets Targets(Random rng, LossSpec loss, int batch, int outputs) => loss.Kind == LossKind.CrossEntropy
        ? ReferenceTargets.FromClasses(Enumerable.Range(0, batch).Select(_ => rng.Next(outputs)).ToArray())
        : ReferenceTargets.FromValues(Uniform(rng, batch * outputs, 1.0));

    /// <summary>
    /// A seeded problem whose pre-activations all stay at least <paramref name="margin"/> away from 0
    /// (so kinked activations are smooth under finite differences); inputs are redrawn until they do.
    /// </summary>
    public static Problem Create(LayerKind? activation, LossSpec loss, int seed, int batch = 3, int[]? widths = null, double margin = 2e-3)
    {
        widths ??= [3, 5, 7, 3];
        var rng = new Random(seed);
        var spec = Mlp(activation, widths);
        var parameters = Parameters(spec, rng);
        var net = new ReferenceNetwork(spec, parameters);
        for (int attempt = 0; ; attempt++)
        {
            var inputs = Uniform(rng, batch * spec.InputSize, 1.5);
            if (MinAbsPreActivation(net, parameters, inputs, batch) > margin)
                return new Problem(net, parameters, inputs, batch, Targets(rng, loss, batch, spec.OutputSize), loss);
            if (attempt > 100) throw new InvalidOperationException("Could not draw inputs away from the kinks.");
        }
    }

    /// <summary>The smallest |a| over the inputs of every activation layer, from forward passes of the network's prefixes.</summary>
    public static double MinAbsPreActivation(ReferenceNetwork net, double[][] parameters, double[] inputs, int batch)
    {
        double min = double.PositiveInfinity;
        var layers = net.Spec.Layers;
        for (int l = 1; l < layers.Count; l++)
        {
            if (layers[l].IsLinear) continue;
            var prefix = new NetworkSpec(layers.Take(l));
            var prefixParameters = net.Spec.Parameters.Where(p => p.LayerIndex < l).Select(p => parameters[p.Index]).ToArray();
            foreach (var a in new ReferenceNetwork(prefix, prefixParameters).Forward(inputs, batch)) min = Math.Min(min, Math.Abs(a));
        }
        return min;
    }

    /// <summary>The output of the network without its last Linear layer (the last layer's input h), N x width.</summary>
    public static double[] LastLayerInput(Problem problem)
    {
        var layers = problem.Net.Spec.Layers;
        int last = layers.Count - 1;
        var prefix = new NetworkSpec(layers.Take(last));
        var prefixParameters = problem.Net.Spec.Parameters.Where(p => p.LayerIndex < last).Select(p => problem.Parameters[p.Index]).ToArray();
        return new ReferenceNetwork(prefix, prefixParameters).Forward(problem.Inputs, problem.Batch);
    }

    public static double[][] Copy(double[][] x) => x.Select(t => (double[])t.Clone()).ToArray();

    /// <summary>x + s y, tensor by tensor.</summary>
    public static double[][] AddScaled(double[][] x, double s, double[][] y) =>
        x.Select((t, i) => t.Select((v, j) => v + s * y[i][j]).ToArray()).ToArray();

    public static double[] Flatten(double[][] x) => x.SelectMany(t => t).ToArray();

    /// <summary>The flat index j as (tensor, element).</summary>
    public static (int Tensor, int Element) Locate(double[][] shape, int j)
    {
        for (int t = 0; t < shape.Length; t++)
        {
            if (j < shape[t].Length) return (t, j);
            j -= shape[t].Length;
        }
        throw new ArgumentOutOfRangeException(nameof(j));
    }

    /// <summary>||a - b|| / max(||b||, floor).</summary>
    public static double RelativeError(double[] a, double[] b, double floor = 1e-12)
    {
        Assert.HasCount(b.Length, a);
        double diff = 0, norm = 0;
        for (int i = 0; i < a.Length; i++)
        {
            diff += (a[i] - b[i]) * (a[i] - b[i]);
            norm += b[i] * b[i];
        }
        return Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), floor);
    }

    public static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        double error = RelativeError(actual, expected);
        Assert.IsLessThanOrEqualTo(tolerance, error, $"{what}: relative error {error:E3} > {tolerance:E1}");
    }

    public static void AssertClose(double[][] expected, double[][] actual, double tolerance, string what)
    {
        Assert.HasCount(expected.Length, actual);
        for (int t = 0; t < expected.Length; t++) AssertClose(expected[t], actual[t], tolerance, $"{what}, tensor {t}");
    }
}
