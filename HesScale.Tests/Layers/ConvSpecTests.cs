using HesScale.Gpu;
using HesScale.Gpu.Checkpoints;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Layers;

/// <summary>Image specs: shapes flowing layer to layer, one-line errors naming the layer and the numbers, the checkpoint text.</summary>
[TestClass]
public sealed class ConvSpecTests
{
    [TestMethod]
    public void Shapes_flow_through_conv_pool_and_flatten()
    {
        var spec = ConvNetworkTests.Spec(1);
        Assert.AreEqual(new TensorShape(1, 6, 9), spec.InputShape);
        Assert.AreEqual(54, spec.InputSize);
        // 1x1 conv keeps 6x9; avg pool 3x2 stride 2 pad 1: (6+2-3)/2+1 = 3, (9+2-2)/2+1 = 5; conv 2x3 stride 1x2 pad 0x1: 2, (5+2-3)/2+1 = 3.
        Assert.AreEqual(new TensorShape(2, 6, 9), spec.OutputShapeOf(0));
        Assert.AreEqual(new TensorShape(2, 3, 5), spec.OutputShapeOf(2));
        Assert.AreEqual(new TensorShape(3, 2, 3), spec.OutputShapeOf(3));
        Assert.AreEqual(TensorShape.Vector(18), spec.OutputShapeOf(5));
        CollectionAssert.AreEqual(new[] { ("weight", 2, 1), ("weight", 3, 12), ("bias", 3, 1), ("weight", 5, 18), ("bias", 5, 1), ("weight", 3, 5), ("bias", 3, 1) },
            spec.Parameters.Select(p => (p.Name, p.Rows, p.Cols)).ToArray());
    }

    [TestMethod]
    public void Architecture_text_carries_input_shape_and_windows()
    {
        var spec = ConvNetworkTests.Spec(0);
        Assert.AreEqual("input(2x7x5) conv2d(2,3,k3x2,s2x1,p1x1,bias) tanh max_pool2d(k2x2,s1x2,p0x0) flatten linear(27,4,bias)", Architecture.Describe(spec));
        Assert.AreEqual("input(1x6x9) conv2d(1,2,k1x1,s1x1,p0x0,nobias) sigmoid avg_pool2d(k3x2,s2x2,p1x1) conv2d(2,3,k2x3,s1x2,p0x1,bias) elu flatten linear(18,5,bias) tanh linear(5,3,bias)",
            Architecture.Describe(ConvNetworkTests.Spec(1)));
    }

    [TestMethod]
    public void Checkpoint_round_trips_a_conv_network_and_refuses_another()
    {
        var dir = Directory.CreateTempSubdirectory("convckpt").FullName;
        try
        {
            string file = Path.Combine(dir, "a.ckpt");
            using var net = new Network(Devices.Native, ConvNetworkTests.Spec(0), seed: 3);
            Checkpoint.Capture(net).Save(file);
            var loaded = Checkpoint.Load(file);
            Assert.AreEqual(Architecture.Describe(ConvNetworkTests.Spec(0)), loaded.Architecture);
            using var same = new Network(Devices.Native, ConvNetworkTests.Spec(0), seed: 4);
            loaded.Restore(same);
            for (int p = 0; p < net.Spec.Parameters.Count; p++) CollectionAssert.AreEqual(net.GetParameter(p), same.GetParameter(p));
            // Same parameter count, other stride: the architecture line tells them apart.
            var other = new NetworkSpec(new TensorShape(2, 7, 5), [LayerSpec.Conv2d(2, 3, 3, 2, strideH: 2, strideW: 1, padH: 1, padW: 1), LayerSpec.ReLU(),
                LayerSpec.MaxPool2d(2, 2, 1, 2), LayerSpec.Flatten(), LayerSpec.Linear(27, 4)]);
            using var different = new Network(Devices.Native, other, seed: 4);
            var e = Assert.ThrowsExactly<CheckpointFormatException>(() => loaded.Restore(different));
            StringAssert.Contains(e.Message, "relu");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    public static IEnumerable<object[]> BadSpecs =>
    [
        ["kernel larger than the padded input", (Func<NetworkSpec>)(() => new NetworkSpec(new TensorShape(1, 4, 9), [LayerSpec.Conv2d(1, 2, 7, 3, padH: 1)])),
            new[] { "Layer 0", "Conv2d(1, 2", "kernel 7x3", "padded input 6x9" }],
        ["channel mismatch", (Func<NetworkSpec>)(() => new NetworkSpec(new TensorShape(2, 5, 5), [LayerSpec.Conv2d(3, 4, 3, 3)])),
            new[] { "Layer 0", "in_channels is 3", "2x5x5" }],
        ["channel mismatch after a conv", (Func<NetworkSpec>)(() => new NetworkSpec(new TensorShape(1, 8, 8), [LayerSpec.Conv2d(1, 4, 3, 3), LayerSpec.ReLU(), LayerSpec.Conv2d(5, 2, 3, 3)])),
            new[] { "Layer 2", "in_channels is 5", "4x6x6" }],
        ["pool window larger than its input", (Func<NetworkSpec>)(() => new NetworkSpec(new TensorShape(1, 5, 5), [LayerSpec.Conv2d(1, 2, 3, 3), LayerSpec.MaxPool2d(4, 4)])),
            new[] { "Layer 1", "max_pool2d", "kernel 4x4", "padded input 3x3" }],
        ["Linear width not the flattened size", (Func<NetworkSpec>)(() => new NetworkSpec(new TensorShape(1, 5, 5), [LayerSpec.Conv2d(1, 2, 3, 3), LayerSpec.Flatten(), LayerSpec.Linear(20, 3)])),
            new[] { "Layer 2", "expects 20 inputs", "gives 18" }],
        ["zero stride", (Func<NetworkSpec>)(() => new NetworkSpec(new TensorShape(1, 5, 5), [LayerSpec.Conv2d(1, 2, 3, 3, strideH: 0)])),
            new[] { "conv2d", "stride 0x1" }],
        ["pool padding over half the kernel", (Func<NetworkSpec>)(() => new NetworkSpec(new TensorShape(1, 5, 5), [LayerSpec.Conv2d(1, 2, 3, 3), LayerSpec.AvgPool2d(2, 2, 1, 1, 2, 0)])),
            new[] { "avg_pool2d", "padding 2x0", "half the kernel 2x2" }],
        ["a pool first", (Func<NetworkSpec>)(() => new NetworkSpec(new TensorShape(1, 5, 5), [LayerSpec.MaxPool2d(2, 2), LayerSpec.Flatten(), LayerSpec.Linear(4, 2)])),
            new[] { "first layer", "MaxPool2d" }],
        ["an image layer without an input shape", (Func<NetworkSpec>)(() => new NetworkSpec(LayerSpec.Conv2d(1, 2, 3, 3))),
            new[] { "first layer must be Linear", "input shape" }],
    ];

    [TestMethod]
    [DynamicData(nameof(BadSpecs))]
    public void Bad_specs_are_one_line_errors_naming_layer_and_numbers(string what, Func<NetworkSpec> build, string[] fragments)
    {
        var e = Assert.Throws<ArgumentException>(() => build(), what);
        Assert.DoesNotContain("\n", e.Message, what);
        foreach (var fragment in fragments) StringAssert.Contains(e.Message, fragment, $"{what}: {e.Message}");
    }

    [TestMethod]
    public void Input_rows_of_the_wrong_length_are_refused_before_anything_runs()
    {
        using var net = new Network(Devices.Native, ConvNetworkTests.Spec(0), seed: 1);
        var e = Assert.Throws<ArgumentException>(() => net.Backward(new float[2 * 70 - 1], 2, Targets.FromClasses([0, 1]), LossSpec.CrossEntropy()));
        Assert.DoesNotContain("\n", e.Message);
        StringAssert.Contains(e.Message, "70");
    }
}
