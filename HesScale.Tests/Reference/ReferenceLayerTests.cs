using HesScale.Gpu;
using HesScale.Reference;
using HesScale.Reference.Layers;

namespace HesScale.Tests.Reference;

/// <summary>The reference layers' shapes, their one-line errors, and small hand-computed conv and pool outputs (PyTorch semantics).</summary>
[TestClass]
public sealed class ReferenceLayerTests
{
    [TestMethod]
    public void OutputShapes_FollowFloorMode()
    {
        Assert.AreEqual(new TensorShape(3, 3, 6), new Conv2dLayer(new TensorShape(2, 5, 7), 2, 3, new Window2d(3, 2, 2, 1, 1, 0)).OutputShape);
        Assert.AreEqual(new TensorShape(2, 2, 2), new MaxPool2dLayer(new TensorShape(2, 3, 3), new Window2d(3, 3, 2, 2, 1, 1)).OutputShape);
        Assert.AreEqual(new TensorShape(2, 5, 2), new AvgPool2dLayer(new TensorShape(2, 4, 4), new Window2d(2, 3, 1, 2, 1, 1)).OutputShape);
        Assert.AreEqual(TensorShape.Vector(24), new FlattenLayer(new TensorShape(2, 3, 4)).OutputShape);
    }

    [TestMethod]
    public void ShapesThatDoNotFit_AreOneLineErrorsNamingLayerAndNumbers()
    {
        var image = new TensorShape(2, 4, 6);
        Assert.AreEqual("conv2d: kernel 5x3 is larger than the padded input 4x6 (4x6 with padding 0x0).",
            Assert.Throws<ArgumentException>(() => new Conv2dLayer(image, 2, 3, new Window2d(5, 3, 1, 1, 0, 0))).Message);
        Assert.AreEqual("max_pool2d: stride 0x1 must be positive.",
            Assert.Throws<ArgumentException>(() => new MaxPool2dLayer(image, new Window2d(2, 2, 0, 1, 0, 0))).Message);
        Assert.AreEqual("conv2d: in_channels is 3 but its input 2x4x6 has 2 channels.",
            Assert.Throws<ArgumentException>(() => new Conv2dLayer(image, 3, 1, new Window2d(1, 1, 1, 1, 0, 0))).Message);
        Assert.AreEqual("avg_pool2d: padding 2x0 is more than half the kernel 3x3.",
            Assert.Throws<ArgumentException>(() => new AvgPool2dLayer(image, new Window2d(3, 3, 1, 1, 2, 0))).Message);
        Assert.AreEqual("linear: expects a vector of 48 inputs, the previous layer gives 2x4x6 (add a flatten).",
            Assert.Throws<ArgumentException>(() => new LinearLayer(image, 48, 2)).Message);
        var conv = new Conv2dLayer(image, 2, 1, new Window2d(3, 3, 1, 1, 0, 0));
        var message = Assert.Throws<ArgumentException>(() => new ReferenceNetwork([conv, new FlattenLayer(image)], [new double[18], new double[1]])).Message;
        Assert.StartsWith("Layer 1 flatten takes 2x4x6 but layer 0 conv2d gives 1x2x4.", message);
    }

    [TestMethod]
    public void Conv2d_Forward_MatchesHandComputedCrossCorrelation()
    {
        // 1x2x3 image [[1,2,3],[4,5,6]], kernel 2x2 [[1,0],[0,-1]], padding (0,1), stride (1,2): out 1x1x2.
        var conv = new Conv2dLayer(new TensorShape(1, 2, 3), 1, 1, new Window2d(2, 2, 1, 2, 0, 1));
        var y = conv.Forward([[1, 0, 0, -1], [0.5]], [1, 2, 3, 4, 5, 6], 1);
        // window at columns -1..0: 0*1 + 1*0 + 0*0 + 4*(-1) = -4; at columns 1..2: 2*1 + 3*0 + 5*0 + 6*(-1) = -4; plus bias.
        CollectionAssert.AreEqual(new[] { -3.5, -3.5 }, y);
    }

    [TestMethod]
    public void Pools_PadAsPyTorchDoes()
    {
        var shape = new TensorShape(1, 2, 2);
        var x = new[] { -1.0, -2.0, -3.0, -4.0 };
        // Max pads with -inf: a corner window sees one pixel, so it keeps that (negative) pixel rather than 0.
        CollectionAssert.AreEqual(new[] { -1.0, -1.0, -2.0, -1.0, -1.0, -2.0, -3.0, -3.0, -4.0 },
            new MaxPool2dLayer(shape, new Window2d(2, 2, 1, 1, 1, 1)).Forward([], x, 1));
        // Avg counts padded zeros: a corner window divides one pixel by 4.
        CollectionAssert.AreEqual(new[] { -0.25, -0.75, -0.5, -1.0, -2.5, -1.5, -0.75, -1.75, -1.0 },
            new AvgPool2dLayer(shape, new Window2d(2, 2, 1, 1, 1, 1)).Forward([], x, 1));
    }

    [TestMethod]
    public void AvgPool_HesScalePassesTheSquaredWeight()
    {
        // A 2x2 window averaging 4 inputs: the gradient gets g/4, the diagonal d/16 (the official code gives d/4: golden/README.md).
        var pool = new AvgPool2dLayer(new TensorShape(1, 2, 2), new Window2d(2, 2, 2, 2, 0, 0));
        CollectionAssert.AreEqual(new[] { 0.25, 0.25, 0.25, 0.25 }, pool.BackwardInput([], new double[4], [1.0], 1));
        CollectionAssert.AreEqual(new[] { 1.0, 1.0, 1.0, 1.0 }, pool.BackwardDiagonal([], new double[4], [0.0], [16.0], 1, secondOrder: true));
    }

    [TestMethod]
    public void ActivationNames_AreTheCaseFileNames()
    {
        Assert.AreEqual("leaky_relu", ActivationLayer.Create(TensorShape.Vector(3), LayerKind.LeakyReLU).Kind);
        Assert.Throws<ArgumentException>(() => ActivationLayer.Create(TensorShape.Vector(3), LayerKind.Linear));
    }
}
