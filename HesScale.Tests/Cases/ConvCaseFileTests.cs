using HesScale.Bench.Cases;
using HesScale.Gpu;

namespace HesScale.Tests.Cases;

/// <summary>hesscale-case/2 (input_shape and image layers): what it builds, and one-line errors naming the field and the numbers.</summary>
[TestClass]
public sealed class ConvCaseFileTests
{
    // 1x4x5 input, conv 2 channels 3x2 stride 1x2 padding 1x0 (-> 2x4x2), max pool 2x2 (-> 2x2x1), flatten (4), linear 4 -> 2.
    private const string Case = """
        {"format": "hesscale-case/2", "input_shape": [1, 4, 5],
         "layers": [{"type": "conv2d", "in_channels": 1, "out_channels": 2, "kernel": [3, 2], "stride": [1, 2], "padding": [1, 0],
                     "weight": [[[[1, 2], [3, 4], [5, 6]]], [[[-1, 0], [0.5, 1], [2, 0]]]], "bias": [0.1, -0.2]},
                    {"type": "relu"}, {"type": "max_pool2d", "kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]}, {"type": "flatten"},
                    {"type": "linear", "in": 4, "out": 2, "weight": [[1, 2, 3, 4], [0, 1, 0, 1]]}],
         "loss": {"type": "cross_entropy", "reduction": "mean"},
         "inputs": [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]], "targets": [1]}
        """;

    [TestMethod]
    public void Reads_the_image_layers_with_their_shapes()
    {
        var c = CaseFile.Parse(Case, "case-c.json");
        Assert.AreEqual(new TensorShape(1, 4, 5), c.Spec.InputShape);
        CollectionAssert.AreEqual(new[] { LayerKind.Conv2d, LayerKind.ReLU, LayerKind.MaxPool2d, LayerKind.Flatten, LayerKind.Linear }, c.Spec.Layers.Select(l => l.Kind).ToArray());
        Assert.AreEqual(new TensorShape(2, 4, 2), c.Spec.OutputShapeOf(0));
        CollectionAssert.AreEqual(new double[] { 1, 2, 3, 4, 5, 6, -1, 0, 0.5, 1, 2, 0 }, c.Parameters[0]);
        CollectionAssert.AreEqual(new double[] { 0.1, -0.2 }, c.Parameters[1]);
        Assert.AreEqual(1, c.Batch);
    }

    [TestMethod]
    [DataRow("\"kernel\": [3, 2]", "\"kernel\": [7, 2]", "kernel 7x2", "padded input 6x5")]
    [DataRow("\"stride\": [1, 2]", "\"stride\": [0, 2]", "layers[0]", "stride 0x2")]
    [DataRow("\"in_channels\": 1", "\"in_channels\": 3", "in_channels is 3", "1x4x5")]
    [DataRow("\"in\": 4, \"out\": 2, \"weight\": [[1, 2, 3, 4], [0, 1, 0, 1]]", "\"in\": 3, \"out\": 2, \"weight\": [[1, 2, 3], [0, 1, 0]]", "expects 3 inputs", "gives 4")]
    [DataRow("[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]]", "[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]]", "inputs[0]", "expected 20 numbers")]
    [DataRow("[[[[1, 2], [3, 4], [5, 6]]], [[[-1, 0]", "[[[[1, 2], [3, 4]]], [[[-1, 0]", "layers[0].weight[0][0]", "expected 3 entries")]
    [DataRow("\"format\": \"hesscale-case/2\", \"input_shape\": [1, 4, 5],", "\"format\": \"hesscale-case/1\",", "layers[0].type", "hesscale-case/2")]
    public void Bad_conv_cases_are_one_line_errors(string from, string to, string fragment1, string fragment2)
    {
        Assert.Contains(from, Case);
        var e = Assert.ThrowsExactly<CaseFormatException>(() => CaseFile.Parse(Case.Replace(from, to), "case-c.json"));
        Assert.DoesNotContain("\n", e.Message);
        Assert.Contains("case-c.json", e.Message);
        Assert.Contains(fragment1, e.Message);
        Assert.Contains(fragment2, e.Message);
    }
}
