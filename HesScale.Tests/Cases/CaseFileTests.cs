using HesScale.Bench.Cases;
using HesScale.Gpu;

namespace HesScale.Tests.Cases;

/// <summary>The case parser's accepted forms and the result writer's round trip.</summary>
[TestClass]
public sealed class CaseFileTests
{
    private const string SmallCase = """
        {"format": "hesscale-case/1",
         "layers": [{"type": "linear", "in": 2, "out": 3, "weight": [[1, 2], [3, 4], [5, 6]]},
                    {"type": "leaky_relu", "slope": 0.2}, {"type": "softplus"}, {"type": "identity"},
                    {"type": "linear", "in": 3, "out": 2, "weight": [[1, 0, 1], [0, 1, 0]], "bias": [0.5, -0.5]}],
         "loss": {"type": "mse", "reduction": "sum"},
         "inputs": [[0.1, 0.2], [0.3, 0.4]],
         "targets": [[1, 2], [3, 4]]}
        """;

    [TestMethod]
    public void Parses_layers_parameters_inputs_and_targets()
    {
        var c = CaseFile.Parse(SmallCase, "dir/case-small.json");
        Assert.AreEqual("case-small.json", c.FileName);
        Assert.AreEqual(2, c.Batch);
        Assert.AreEqual(LossSpec.Mse(Reduction.Sum), c.Loss);
        CollectionAssert.AreEqual(new[] { LayerKind.Linear, LayerKind.LeakyReLU, LayerKind.Softplus, LayerKind.Identity, LayerKind.Linear }, c.Spec.Layers.Select(l => l.Kind).ToArray());
        Assert.AreEqual(0.2f, c.Spec.Layers[1].Slope);
        Assert.IsFalse(c.Spec.Layers[0].Bias);
        Assert.HasCount(3, c.Parameters);
        CollectionAssert.AreEqual(new double[] { 1, 2, 3, 4, 5, 6 }, c.Parameters[0]);
        CollectionAssert.AreEqual(new double[] { 0.5, -0.5 }, c.Parameters[2]);
        CollectionAssert.AreEqual(new double[] { 0.1, 0.2, 0.3, 0.4 }, c.Inputs);
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4 }, c.ToTargets().Values);
        Assert.IsNull(c.Classes);
    }

    [TestMethod]
    public void Leaky_relu_slope_defaults_to_pytorch_value()
    {
        var c = CaseFile.Parse(SmallCase.Replace(", \"slope\": 0.2", "", StringComparison.Ordinal), "case-x.json");
        Assert.AreEqual(0.01f, c.Spec.Layers[1].Slope);
    }

    [TestMethod]
    public void First_layer_must_be_linear()
    {
        var e = Assert.ThrowsExactly<CaseFormatException>(() => CaseFile.Parse(
            """{"format": "hesscale-case/1", "layers": [{"type": "tanh"}], "loss": {"type": "mse"}, "inputs": [[1]], "targets": [[1]]}""", "case-t.json"));
        Assert.Contains("case-t.json: layers[0].type", e.Message);
        Assert.AreEqual("layers[0].type", e.FieldPath);
    }

    [TestMethod]
    public void Empty_inputs_are_refused()
    {
        var e = Assert.ThrowsExactly<CaseFormatException>(() => CaseFile.Parse(
            SmallCase.Replace("[[0.1, 0.2], [0.3, 0.4]]", "[]", StringComparison.Ordinal), "case-e.json"));
        Assert.Contains("inputs", e.Message);
    }

    [TestMethod]
    public void Result_file_round_trips_float_and_double_values_exactly()
    {
        var c = CaseFile.Parse(SmallCase, "case-small.json");
        var rng = new Random(7);
        var result = new CaseResult(c.Spec, 1.0 / 3.0, "test device");
        var floats = new List<float[]>();
        var doubles = new List<double[]>();
        foreach (var info in c.Spec.Parameters)
        {
            var f = Enumerable.Range(0, info.Length).Select(_ => (float)(rng.NextDouble() * 2e-3 - 1e-3)).ToArray();
            var d = Enumerable.Range(0, info.Length).Select(_ => rng.NextDouble() * 1e5).ToArray();
            result.Add(info.Index, "gradient", f);
            result.Add(info.Index, "exact", d);
            floats.Add(f);
            doubles.Add(d);
        }

        var read = ExpectedFile.Parse(result.ToJson(), "out.json");
        Assert.AreEqual(1.0 / 3.0, read.Loss);
        Assert.AreEqual("test device", read.Device);
        Assert.HasCount(c.Spec.Parameters.Count, read.Parameters);
        foreach (var info in c.Spec.Parameters)
        {
            var p = read.Parameters[info.Index];
            Assert.AreEqual(info.LayerIndex, p.Layer);
            Assert.AreEqual(info.Name, p.Name);
            Assert.AreEqual(info.Rows, p.Rows);
            Assert.AreEqual(info.Cols, p.Cols);
            CollectionAssert.AreEqual(floats[info.Index], p.Get("gradient")!.Select(v => (float)v).ToArray());
            CollectionAssert.AreEqual(doubles[info.Index], p.Get("exact"));
        }
        // Weights are nested out x in arrays, biases flat.
        StringAssert.Contains(result.ToJson(), "\"gradient\":[[");
    }

    [TestMethod]
    public void Result_refuses_wrongly_sized_arrays()
    {
        var c = CaseFile.Parse(SmallCase, "case-small.json");
        var result = new CaseResult(c.Spec, 0, "d");
        Assert.ThrowsExactly<ArgumentException>(() => result.Add(0, "gradient", new float[5]));
    }
}
