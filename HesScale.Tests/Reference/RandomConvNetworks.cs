using HesScale.Gpu;
using HesScale.Reference;
using HesScale.Reference.Layers;
using static HesScale.Tests.Reference.RandomNetworks;

namespace HesScale.Tests.Reference;

/// <summary>Seeded random CNNs at odd shapes: non-square images and kernels, stride 2, padding 1, 1x1 kernels, both pools.</summary>
internal static class RandomConvNetworks
{
    /// <summary>The nets by name, for DataRow tests.</summary>
    public static IReadOnlyList<ReferenceLayer> Layers(string name) => name switch
    {
        // 2x5x7 -> conv 3x2 s(2,1) p(1,0) -> 3x3x6 -> max 2x2 s(1,2) p1 -> 3x4x4 -> conv 1x1 (no bias) -> 2x4x4 -> avg 2x3 s(1,2) p1 -> 2x5x2 -> 20 -> 3
        "pools" => Chain(new TensorShape(2, 5, 7),
            s => new Conv2dLayer(s, 2, 3, new Window2d(3, 2, 2, 1, 1, 0)),
            s => ActivationLayer.Create(s, LayerKind.Tanh),
            s => new MaxPool2dLayer(s, new Window2d(2, 2, 1, 2, 1, 1)),
            s => new Conv2dLayer(s, 3, 2, new Window2d(1, 1, 1, 1, 0, 0), bias: false),
            s => ActivationLayer.Create(s, LayerKind.Sigmoid),
            s => new AvgPool2dLayer(s, new Window2d(2, 3, 1, 2, 1, 1)),
            s => new FlattenLayer(s),
            s => new LinearLayer(s, s.Size, 3)),
        // 1x4x3 -> conv 2x3 s(2,1) p1 -> 2x3x3 -> conv 3x2 -> 2x1x2 -> flatten 4: a conv right before the loss.
        "conv-last" => Chain(new TensorShape(1, 4, 3),
            s => new Conv2dLayer(s, 1, 2, new Window2d(2, 3, 2, 1, 1, 1)),
            s => ActivationLayer.Create(s, LayerKind.ELU),
            s => new Conv2dLayer(s, 2, 2, new Window2d(3, 2, 1, 1, 0, 0)),
            s => new FlattenLayer(s)),
        // 3x6x5 -> conv 3x3 s2 p1 -> 2x3x3 -> max 3x3 s2 p1 -> 2x2x2 -> 8 -> 4 -> 2
        "kinks" => Chain(new TensorShape(3, 6, 5),
            s => new Conv2dLayer(s, 3, 2, new Window2d(3, 3, 2, 2, 1, 1)),
            s => ActivationLayer.Create(s, LayerKind.LeakyReLU, 0.1),
            s => new MaxPool2dLayer(s, new Window2d(3, 3, 2, 2, 1, 1)),
            s => new FlattenLayer(s),
            s => new LinearLayer(s, s.Size, 4),
            s => ActivationLayer.Create(s, LayerKind.SELU),
            s => new LinearLayer(s, s.Size, 2)),
        _ => throw new ArgumentException(name),
    };

    /// <summary>A seeded problem on net <paramref name="name"/>: parameters and inputs uniform, targets for <paramref name="loss"/>.</summary>
    public static Problem Create(string name, LossSpec loss, int batch, int seed)
    {
        var rng = new Random(seed);
        var layers = Layers(name);
        var parameters = layers.SelectMany(l => l.Parameters).Select(p => Uniform(rng, p.Length, 0.8)).ToArray();
        var net = new ReferenceNetwork(layers, parameters);
        var inputs = Uniform(rng, batch * net.InputSize, 1.5);
        return new Problem(net, parameters, inputs, batch, Targets(rng, loss, batch, net.OutputSize), loss);
    }

    private static ReferenceLayer[] Chain(TensorShape input, params Func<TensorShape, ReferenceLayer>[] makers)
    {
        var layers = new ReferenceLayer[makers.Length];
        for (int l = 0; l < makers.Length; l++)
        {
            layers[l] = makers[l](input);
            input = layers[l].OutputShape;
        }
        return layers;
    }
}
