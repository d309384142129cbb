using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Gpu.Optimizers;
using HesScale.Reference.Optimizers;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Optimizers;

/// <summary>Runs device optimizer steps next to the double-precision reference step.</summary>
internal static class OptimizerCases
{
    /// <summary>Optimizers that step from a BackwardResult (AdaHessian / AdaGGNMC need a CurvatureEstimator result).</summary>
    public static readonly string[] ResultOptimizers =
        ["sgd", "adam", "adahesscale", "adahesscale_gn", "bl89", "scaled_adam", "scaled_adahesscale", "scaled_adahesscale_gn"];

    /// <summary>Optimizers that step from a CurvatureEstimator result.</summary>
    public static readonly string[] EstimateOptimizers = ["adahessian", "adaggnmc"];

    /// <summary>Non-default betas and weight decay so that a confused coefficient shows.</summary>
    public static OptimizerSettings Settings(float delta = 1e-4f, float alphaMax = 1f) => new()
    {
        LearningRate = 1e-2f,
        Beta1 = 0.8f,
        Beta2 = 0.95f,
        Epsilon = 1e-6f,
        Momentum = 0.9f,
        WeightDecay = 1e-2f,
        Delta = delta,
        AlphaMax = alphaMax,
    };

    public static ReferenceHyperParameters Reference(OptimizerSettings s) =>
        new(s.LearningRate, s.Beta1, s.Beta2, s.Epsilon, s.Momentum, s.WeightDecay, s.Delta, s.AlphaMax);

    private static double[] D(float[] v) => v.Select(x => (double)x).ToArray();

    /// <summary>
    /// <paramref name="steps"/> steps; at each, the reference takes the device's gradients, curvature and
    /// parameters, and the device's update (after - before) and scale must match the reference's.
    /// At the end the device moments must match the reference's accumulated (double) moments.
    /// Returns the scales of the steps.
    /// </summary>
    public static List<float> CheckSteps(ComputeDevice device, string name, RandomCase c, OptimizerSettings settings, int steps = 4, double tolerance = 1e-3)
    {
        using var net = new Network(device, c.Spec, c.Parameters);
        using var opt = Optimizer.Create(name, net, settings);
        using var estimator = new CurvatureEstimator(net);
        var parameters = c.Spec.Parameters;
        var reference = new ReferenceOptimizer(name, Reference(settings), parameters.Select(p => p.Length).ToArray());
        var scales = new List<float>();
        for (int step = 1; step <= steps; step++)
        {
            double[][] grads;
            double[][]? h;
            var before = parameters.Select(p => D(net.GetParameter(p.Index))).ToArray();
            if (opt.RequiredEstimator is { } kind)
            {
                var e = estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, kind, settings.Samples, opt.NextSeed);
                grads = parameters.Select(p => D(e.Gradient(p.Index))).ToArray();
                h = parameters.Select(p => D(e.Diagonal(p.Index))).ToArray();
                opt.Step(e);
            }
            else
            {
                var r = net.Backward(c.Inputs, c.Batch, c.Targets, c.Loss, opt.RequiredCurvature);
                grads = parameters.Select(p => D(r.Gradient(p.Index))).ToArray();
                h = opt.RequiredCurvature.Length == 0 ? null : parameters.Select(p => D(r.Curvature(opt.RequiredCurvature[0], p.Index))).ToArray();
                opt.Step(r);
            }
            Assert.AreEqual(step, opt.Steps);
            var expected = before.Select(t => (double[])t.Clone()).ToArray();
            reference.Step(expected, grads, h);
            scales.Add(opt.LastScale);
            Assert.AreEqual(reference.LastScale, opt.LastScale, 1e-4 * reference.LastScale, $"{name} step {step}: scale, {c}");

            var expectedUpdates = parameters.Select(p => expected[p.Index].Zip(before[p.Index], (e, b) => e - b).ToArray()).ToArray();
            double floor = Math.Max(1e-3 * Norms.Norm(expectedUpdates), 1e-12);
            foreach (var p in parameters)
            {
                var after = net.GetParameter(p.Index);
                var update = after.Select((v, i) => (float)(v - before[p.Index][i])).ToArray();
                double err = Norms.RelativeError(update, expectedUpdates[p.Index], floor);
                Assert.IsLessThanOrEqualTo(tolerance, err, $"{name} step {step}, layer {p.LayerIndex} {p.Name}: update relative error {err:E2}, {c}");
            }
        }

        var state = opt.GetState();
        Assert.AreEqual(steps, state.Steps);
        var (first, second) = name switch
        {
            "sgd" => ("momentum_buffer", null),
            "bl89" => ("exp_avg", "exp_hessian_abs"),
            _ => ("exp_avg", (string?)"exp_avg_sq"),
        };
        CompareSlot(state, first, reference.M, c, name);
        if (second is not null) CompareSlot(state, second, reference.V, c, name);
        if (name == "scaled_adam") CompareSlot(state, "exp_hessian_sq", reference.W, c, name);
        return scales;
    }

    private static void CompareSlot(OptimizerState state, string slot, double[][] expected, RandomCase c, string name)
    {
        double floor = Math.Max(1e-3 * Norms.Norm(expected), 1e-20);
        foreach (var p in c.Spec.Parameters)
        {
            double err = Norms.RelativeError(state.Get(slot, p.Index), expected[p.Index], floor);
            Assert.IsLessThanOrEqualTo(1e-4, err, $"{name} slot {slot}, layer {p.LayerIndex} {p.Name}: relative error {err:E2}, {c}");
        }
    }
}
