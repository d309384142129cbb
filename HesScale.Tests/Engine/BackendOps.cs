using HesScale.Gpu;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Layers;

namespace HesScale.Tests.Engine;

/// <summary>Sizes of one run: batch N, Linear widths in -> out (out is also the activation width and K), R columns.</summary>
internal readonly record struct OpShape(int N, int In, int Out, int Columns)
{
    public override string ToString() => $"N={N} in={In} out={Out} R={Columns}";
}

/// <summary>
/// One row of the table: a <see cref="Backend"/> operation (by its method name), a variant, the
/// largest relative error allowed between two backends, and the run that feeds it random inputs.
/// </summary>
internal sealed record BackendOp(string Operation, string Variant, double Tolerance, Action<BackendOpHarness, OpShape> Run)
{
    public override string ToString() => $"{Operation}/{Variant}";
}

/// <summary>Every operation of <see cref="Backend"/> in the variants the engine calls it in (llm.c's one check per kernel).</summary>
internal static class BackendOps
{
    /// <summary>Backend members that compute nothing to compare: buffers, waits, and the backend's own partial-sum layout.</summary>
    public static readonly IReadOnlySet<string> NotOperations = new HashSet<string>
    {
        nameof(Backend.Allocate), nameof(Backend.Synchronize), nameof(Backend.Dispose), nameof(Backend.PartialSlots),
    };

    // Largest relative errors allowed: per-element math (float rounding, differently ordered
    // formulas), and sums (dot products of up to 37 terms, summed in another order per backend).
    private const double Elementwise = 2e-5, Sum = 1e-4;

    // Gradient + HesScale, HesScaleGN, BL89 channels: every mode of Channels.
    private const int StackChannels = 4;
    private static readonly int Packed = Channels.Pack([CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN, CurvatureMethod.BL89]);

    private static readonly LossSpec[] Losses =
        [LossSpec.Mse(), LossSpec.Mse(Reduction.Sum), LossSpec.CrossEntropy(), LossSpec.CrossEntropy(Reduction.Sum)];

    /// <summary>The row name of a <see cref="LinearOps"/> operation, e.g. "LinearOps.Forward" (backend operations are their bare name).</summary>
    public static string Linear(string operation) => $"{nameof(LinearOps)}.{operation}";

    /// <summary>The row name of an <see cref="ActivationOps"/> operation, e.g. "ActivationOps.Forward".</summary>
    public static string Activation(string operation) => $"{nameof(ActivationOps)}.{operation}";

    private static IEnumerable<LayerSpec> Activations() =>
        Enum.GetValues<LayerKind>().Where(k => k != LayerKind.Linear && k < LayerKind.Conv2d).Select(k => LayerSpec.Activation(k));

    public static IEnumerable<BackendOp> All()
    {
        foreach (bool bias in new[] { true, false })
        {
            yield return new(Linear(nameof(LinearOps.Forward)), bias ? "bias" : "no bias", Sum, (r, s) =>
                LinearOps.Of(r.Backend).Forward(r.Input(s.N * s.In), r.Input(s.Out * s.In), bias ? r.Input(s.Out) : null,
                    r.Output("y", s.N * s.Out), s.N, s.In, s.Out));
        }
        foreach (var act in Activations())
        {
            yield return new(Linear(nameof(LinearOps.ForwardActivation)), act.ToString(), Sum, (r, s) =>
                LinearOps.Of(r.Backend).ForwardActivation(r.Input(s.N * s.In), r.Input(s.Out * s.In), r.Input(s.Out), r.Output("a", s.N * s.Out),
                    act, r.Output("z", s.N * s.Out), s.N, s.In, s.Out));
            yield return new(Activation(nameof(ActivationOps.Forward)), act.ToString(), Elementwise, (r, s) =>
                ActivationOps.Of(r.Backend).Forward(act, r.Input(s.N * s.Out, -3f, 3f), r.Output("z", s.N * s.Out), s.N * s.Out));
            yield return new(Activation(nameof(ActivationOps.Backward)), act.ToString(), Elementwise, (r, s) =>
            {
                int count = s.N * s.Out;
                var a = r.Input(count, -3f, 3f);
                var z = r.Input(count);
                ActivationOps.Of(r.Backend).Forward(act, a, z, count); // z = s(a) as the forward pass stores it
                ActivationOps.Of(r.Backend).Backward(act, a, z, r.Input(StackChannels * count), r.Output("ba", StackChannels * count), count, StackChannels, Packed);
            });
            foreach (bool residual in new[] { true, false })
            {
                yield return new(Activation(nameof(ActivationOps.ColumnsThrough)), $"{act} {(residual ? "residual" : "no residual")}", Elementwise, (r, s) =>
                {
                    int total = s.Columns + (residual ? s.Out : 0);
                    var signs = r.Output("signs", total * s.N);
                    ActivationOps.Of(r.Backend).ColumnsThrough(act, r.Input(s.N * s.Out, -3f, 3f), r.Input(s.N * s.Out), r.Input(s.Columns * s.N * s.Out),
                        r.Output("sa", total * s.N * s.Out), signs, s.Columns, residual, s.N, s.Out);
                });
            }
            yield return new(Activation(nameof(ActivationOps.RForward)), act.ToString(), Elementwise, (r, s) =>
                ActivationOps.Of(r.Backend).RForward(act, r.Input(s.N * s.Out, -3f, 3f), r.Input(s.Columns * s.N * s.Out),
                    r.Output("rz", s.Columns * s.N * s.Out), s.Columns, s.N * s.Out));
            yield return new(Activation(nameof(ActivationOps.RBackward)), act.ToString(), Elementwise, (r, s) =>
                ActivationOps.Of(r.Backend).RBackward(act, r.Input(s.N * s.Out, -3f, 3f), r.Input(s.N * s.Out), r.Input(s.Columns * s.N * s.Out),
                    r.Input(s.Columns * s.N * s.Out), r.Output("rga", s.Columns * s.N * s.Out), s.Columns, s.N * s.Out));
        }
        foreach (var loss in Losses)
        {
            yield return new(nameof(Backend.LossBackward), loss.ToString(), Elementwise, (r, s) =>
            {
                var y = r.Input(s.N * s.Out, -3f, 3f);
                r.Backend.LossBackward(loss, y, r.Targets(loss, s.N, s.Out), r.Output("b", StackChannels * s.N * s.Out), r.Output("loss", s.N),
                    s.N, s.Out, StackChannels, Packed);
            });
            yield return new(nameof(Backend.OutputFactors), $"{loss} exact", Elementwise, (r, s) =>
                r.Backend.OutputFactors(loss, r.Input(s.N * s.Out, -3f, 3f), r.Output("s", s.Out * s.N * s.Out), r.Output("signs", s.Out * s.N),
                    s.N, s.Out, s.Out, CurvatureKernels.FactorExact, 0, 0));
            yield return new(nameof(Backend.OutputFactors), $"{loss} sampled", Elementwise, (r, s) =>
                r.Backend.OutputFactors(loss, r.Input(s.N * s.Out, -3f, 3f), r.Output("s", s.Columns * s.N * s.Out), r.Output("signs", s.Columns * s.N),
                    s.N, s.Out, s.Columns, CurvatureKernels.FactorSampled, 12345, 7));
            yield return new(nameof(Backend.RLoss), loss.ToString(), Elementwise, (r, s) =>
                r.Backend.RLoss(loss, r.Input(s.N * s.Out, -3f, 3f), r.Input(s.Columns * s.N * s.Out), r.Output("rg", s.Columns * s.N * s.Out),
                    s.Columns, s.N, s.Out));
        }
        foreach (var (variant, channels, linear, bias, input) in new[]
        {
            ("gradient and three curvature channels", StackChannels, 1, true, true),
            ("first layer, no bias", StackChannels, 1, false, false),
            ("one squared channel (column energies)", 1, 0, true, false),
            ("gradient only", 1, 1, true, true),
        })
        {
            yield return new(Linear(nameof(LinearOps.Backward)), variant, Sum, (r, s) =>
                LinearOps.Of(r.Backend).Backward(r.Input(channels * s.N * s.Out), r.Input(s.N * s.In), r.Input(s.Out * s.In),
                    input ? r.Output("bIn", channels * s.N * s.In) : null, r.Output("dW", channels * s.Out * s.In),
                    bias ? r.Output("db", channels * s.Out) : null, s.N, s.In, s.Out, channels, linear));
        }
        foreach (var act in Activations())
        {
            // The Linear layer's backward through the activation before it (width in); of the stack at z
            // only the gradient channel is a result (a fused backend need not store the rest).
            yield return new(Linear(nameof(LinearOps.BackwardActivation)), act.ToString(), Sum, (r, s) =>
            {
                int count = s.N * s.In;
                var a = r.Input(count, -3f, 3f);
                var z = r.Input(count);
                ActivationOps.Of(r.Backend).Forward(act, a, z, count);
                var bz = r.Input(StackChannels * count);
                LinearOps.Of(r.Backend).BackwardActivation(r.Input(StackChannels * s.N * s.Out), r.Input(s.Out * s.In), act, a, z, bz,
                    r.Output("ba", StackChannels * count), r.Output("dW", StackChannels * s.Out * s.In), r.Output("db", StackChannels * s.Out),
                    s.N, s.In, s.Out, StackChannels, Packed);
                r.Derived("bz gradient channel", () => BackendOpHarness.Read(bz)[..count]);
            });
        }
        yield return new(Linear(nameof(LinearOps.ColumnsThrough)), "", Sum, (r, s) =>
            LinearOps.Of(r.Backend).ColumnsThrough(r.Input(s.Columns * s.N * s.Out), r.Input(s.Out * s.In), r.Output("sIn", s.Columns * s.N * s.In),
                s.Columns, s.N, s.In, s.Out));
        yield return new(nameof(Backend.ColumnEnergy), "", Sum, (r, s) =>
            r.Backend.ColumnEnergy(r.Input(s.Columns * s.N * s.Out), r.Input(s.Columns * s.N), r.Output("q", s.N * s.Out), s.Columns, s.N, s.Out, 0.75f));
        foreach (bool bias in new[] { true, false })
        {
            yield return new(Linear(nameof(LinearOps.KfacWeight)), bias ? "bias" : "no bias", Sum, (r, s) =>
                LinearOps.Of(r.Backend).KfacWeight(r.Input(s.N * s.Out, 0f, 1f), r.Input(s.N * s.In), r.Output("dW", s.Out * s.In),
                    bias ? r.Output("db", s.Out) : null, s.N, s.In, s.Out));
        }
        yield return new(nameof(Backend.Rademacher), "", 0, (r, s) =>
            r.Backend.Rademacher(r.Output("v", s.Columns * s.Out * s.In), s.Columns * s.Out * s.In, 99, 3));
        yield return new(nameof(Backend.ProductMean), "", Sum, (r, s) =>
        {
            int length = s.Out * s.In;
            r.Backend.ProductMean(r.Input(s.Columns * length), r.Input(s.Columns * length), r.Output("diag", length), s.Columns, length, 1f / s.Columns);
        });
        foreach (bool squared in new[] { true, false })
        {
            yield return new(nameof(Backend.CopyPower), squared ? "squared" : "plain", 0, (r, s) =>
                r.Backend.CopyPower(r.Input(s.N * s.In + 3), r.Output("dst", s.N * s.In + 5), 3, 5, s.N * s.In, squared));
        }
        foreach (var (variant, first, biasDirection) in new[] { ("network input, bias", true, true), ("hidden layer, no bias", false, false) })
        {
            yield return new(Linear(nameof(LinearOps.RForward)), variant, Sum, (r, s) =>
                LinearOps.Of(r.Backend).RForward(first ? null : r.Input(s.Columns * s.N * s.In), r.Input(s.N * s.In), r.Input(s.Out * s.In),
                    r.Input(s.Columns * s.Out * s.In), biasDirection ? r.Input(s.Columns * s.Out) : null, r.Output("ra", s.Columns * s.N * s.Out),
                    s.Columns, s.N, s.In, s.Out));
            yield return new(Linear(nameof(LinearOps.RBackwardWeight)), variant, Sum, (r, s) =>
                LinearOps.Of(r.Backend).RBackwardWeight(r.Input(s.Columns * s.N * s.Out), r.Input(s.N * s.Out), r.Input(s.N * s.In),
                    first ? null : r.Input(s.Columns * s.N * s.In), r.Output("hv", s.Columns * s.Out * s.In),
                    biasDirection ? r.Output("hvb", s.Columns * s.Out) : null, s.Columns, s.N, s.In, s.Out));
        }
        yield return new(Linear(nameof(LinearOps.RBackwardInput)), "", Sum, (r, s) =>
            LinearOps.Of(r.Backend).RBackwardInput(r.Input(s.Columns * s.N * s.Out), r.Input(s.N * s.Out), r.Input(s.Out * s.In),
                r.Input(s.Columns * s.Out * s.In), r.Output("rgIn", s.Columns * s.N * s.In), s.Columns, s.N, s.In, s.Out));

        foreach (var (variant, first, momentum) in new[] { ("first step", 1, 0.9f), ("later step", 0, 0.9f), ("no momentum", 0, 0f) })
        {
            yield return new(nameof(Backend.SgdStep), variant, Elementwise, (r, s) =>
            {
                int length = s.Out * s.In;
                var sgd = new SgdParameters { Length = length, First = first, LearningRate = 0.1f, Momentum = momentum, WeightDecay = 0.01f };
                r.Backend.SgdStep(r.Output("theta", length), r.Input(length + 2), 2, r.Output("momentum", length), sgd);
            });
        }
        foreach (int source in new[] { OptimizerMath.SourceGradientSquared, OptimizerMath.SourceCurvatureSquared, OptimizerMath.SourceCurvatureAbs })
        {
            yield return new(nameof(Backend.AdaptiveStep), $"source {source}", Elementwise, (r, s) =>
            {
                int length = s.Out * s.In;
                var a = Adaptive(length, source);
                r.Backend.AdaptiveStep(r.Output("theta", length), r.Input(length + 1), 1, r.Input(length + 4), 4,
                    r.Output("m", length), r.Output("v", length, 0f, 1f), a);
            });
        }
        foreach (bool withW in new[] { true, false })
        {
            yield return new(nameof(Backend.ScaledMoments), withW ? "with w" : "no w", Sum, (r, s) =>
            {
                int length = s.Out * s.In, slots = r.Backend.PartialSlots(length);
                DeviceBuffer theta = r.Input(length), grad = r.Input(length + 1), curv = r.Input(length + 2);
                DeviceBuffer m = r.Output("m", length), v = r.Output("v", length, 0f, 1f);
                var w = withW ? r.Output("w", length, 0f, 1f) : null;
                var partials = r.Input(slots + 3); // last: its length is the backend's own
                r.Backend.ScaledMoments(theta, grad, 1, curv, 2, m, v, w, partials, 3, Adaptive(length, OptimizerMath.SourceCurvatureSquared));
                // The split into partial sums is each backend's own; their total is the operation's result.
                r.Derived("sum of partials", () => [BackendOpHarness.Read(partials).Skip(3).Take(slots).Sum()]);
            });
        }
        yield return new(nameof(Backend.ScaleFromPartials), "", Sum, (r, s) =>
        {
            int count = s.N * s.Out * s.In;
            r.Backend.ScaleFromPartials(r.Input(count, 0f, 1e-3f), count, r.Input(Backend.ReductionParts), r.Output("scale", 1), 0.01f, 10f);
        });
        yield return new(nameof(Backend.ScaledApply), "", Elementwise, (r, s) =>
        {
            int length = s.Out * s.In;
            r.Backend.ScaledApply(r.Output("theta", length), r.Input(length), r.Input(length, 0f, 1f), r.Input(1, 0.1f, 1f),
                Adaptive(length, OptimizerMath.SourceCurvatureSquared));
        });
    }

    private static AdaptiveParameters Adaptive(int length, int source) => new()
    {
        Length = length,
        Source = source,
        Root = source == OptimizerMath.SourceCurvatureAbs ? 0 : 1,
        Beta1 = 0.9f,
        Beta2 = 0.999f,
        Epsilon = 1e-8f,
        WeightDecay = 0.01f,
        StepSize = 0.01f / (1f - 0.9f * 0.9f),
        InvBiasCorrection2 = 1f / (1f - 0.999f * 0.999f),
    };
}
