using HesScale.Gpu;

namespace HesScale.Tests.Engine;

/// <summary>
/// A random network problem: odd widths (1..67, never a multiple of a warp or tile size unless
/// by chance of 1), depth 0..4 hidden layers, batch 1..33, any activation, either loss.
/// </summary>
internal sealed record RandomCase(NetworkSpec Spec, float[][] Parameters, float[] Inputs, int Batch, LossSpec Loss, Targets Targets)
{
    public static readonly LayerKind[] Activations =
        [LayerKind.Tanh, LayerKind.Sigmoid, LayerKind.ReLU, LayerKind.LeakyReLU, LayerKind.ELU, LayerKind.SELU, LayerKind.Softplus, LayerKind.Identity];

    /// <summary><see cref="Activations"/> as test data rows (every activation the engine has).</summary>
    public static IEnumerable<object[]> ActivationRows => Activations.Select(a => new object[] { a });

    public static RandomCase Create(int seed, int maxWidth, int maxBatch, int? hidden = null, LayerKind? activation = null, LossSpec? loss = null, int? batchSize = null)
    {
        var rng = new Random(seed);
        int Width() => 1 + 2 * rng.Next((maxWidth + 1) / 2); // odd, 1..maxWidth
        int depth = hidden ?? rng.Next(5);
        var act = activation ?? Activations[rng.Next(Activations.Length)];
        var lossSpec = loss ?? new LossSpec(rng.Next(2) == 0 ? LossKind.MeanSquaredError : LossKind.CrossEntropy, rng.Next(2) == 0 ? Reduction.Mean : Reduction.Sum);
        int inW = Width();
        int outW = lossSpec.Kind == LossKind.CrossEntropy ? 2 + rng.Next(maxWidth - 1) : Width();
        var layers = new List<LayerSpec>();
        int width = inW;
        for (int l = 0; l < depth; l++)
        {
            int next = Width();
            layers.Add(LayerSpec.Linear(width, next, bias: rng.Next(4) != 0));
            layers.Add(act == LayerKind.LeakyReLU ? LayerSpec.LeakyReLU(0.1f) : LayerSpec.Activation(act));
            width = next;
        }
        layers.Add(LayerSpec.Linear(width, outW, bias: rng.Next(4) != 0));
        var spec = new NetworkSpec(layers);
        // Weights a bit larger than PyTorch's default so that curvature terms are not tiny.
        var parameters = spec.Parameters.Select(p =>
        {
            float scale = 1.5f / MathF.Sqrt(spec.Layers[p.LayerIndex].In);
            return Enumerable.Range(0, p.Length).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
        }).ToArray();
        int batch = batchSize ?? 1 + rng.Next(maxBatch);
        var inputs = Enumerable.Range(0, batch * inW).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var targets = lossSpec.Kind == LossKind.CrossEntropy
            ? Targets.FromClasses(Enumerable.Range(0, batch).Select(_ => rng.Next(outW)).ToArray())
            : Targets.FromValues(Enumerable.Range(0, batch * outW).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray());
        return new RandomCase(spec, parameters, inputs, batch, lossSpec, targets);
    }

    public double[] InputsD => Inputs.Select(v => (double)v).ToArray();
    public double[][] ParametersD => Parameters.Select(p => p.Select(v => (double)v).ToArray()).ToArray();

    public HesScale.Reference.ReferenceTargets ReferenceTargets => Targets.Classes is { } c
        ? HesScale.Reference.ReferenceTargets.FromClasses(c)
        : HesScale.Reference.ReferenceTargets.FromValues(Targets.Values!.Select(v => (double)v).ToArray());

    public HesScale.Reference.ReferenceNetwork Reference() => new(Spec, ParametersD);

    public override string ToString() => $"{Spec} | batch {Batch} | {Loss}";
}

internal static class Norms
{
    /// <summary>||ours - expected|| / ||expected||, with the denominator floored at <paramref name="floor"/>.</summary>
    public static double RelativeError(float[] ours, double[] expected, double floor)
    {
        Assert.HasCount(expected.Length, ours);
        double diff = 0, norm = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            diff += (ours[i] - expected[i]) * (ours[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        return Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), floor);
    }

    public static double Norm(double[][] tensors) => Math.Sqrt(tensors.Sum(t => t.Sum(v => v * v)));
}
