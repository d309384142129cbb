using HesScale.Gpu.Data;

namespace HesScale.Bench.Training;

/// <summary>
/// The networks of the supervised experiments (issue 10), by name: <c>mlp</c> (Linear layers of the given hidden
/// widths with one activation), <c>cnn-small</c> and <c>3c3d</c> (DeepOBS's CIFAR-10 network; on 28x28x1 the same
/// layers give the same 1152 features). Image networks read the data's rows as C x H x W: 3072 values are 3x32x32
/// (CIFAR-10), a square count n^2 is 1 x n x n (MNIST, Fashion-MNIST: 28x28; the embedded digits: 8x8).
/// </summary>
public static class Models
{
    /// <summary>The model names <c>train --model</c> knows.</summary>
    public static readonly string[] Names = ["mlp", "cnn-small", "3c3d"];

    /// <summary>The network <paramref name="model"/> for <paramref name="data"/>; an image network on data that is not an image, or one whose layers do not fit it, is an <see cref="ArgumentException"/> naming the layer and the numbers.</summary>
    public static NetworkSpec Build(string model, Dataset data, IReadOnlyList<int> hidden, LayerKind activation) => model switch
    {
        "mlp" => Mlp(data.FeatureCount, hidden, activation, data.Classes),
        "cnn-small" => CnnSmall(ImageShape(data), data.Classes),
        "3c3d" => ThreeC3D(ImageShape(data), data.Classes),
        _ => throw new ArgumentException($"unknown model '{model}' (known: {string.Join(", ", Names)})."),
    };

    /// <summary>features - (Linear h - activation) per hidden width - Linear classes.</summary>
    public static NetworkSpec Mlp(int features, IReadOnlyList<int> hidden, LayerKind activation, int classes)
    {
        var layers = new List<LayerSpec>();
        int width = features;
        foreach (int h in hidden)
        {
            layers.Add(LayerSpec.Linear(width, h));
            layers.Add(LayerSpec.Activation(activation));
            width = h;
        }
        layers.Add(LayerSpec.Linear(width, classes));
        return new NetworkSpec(layers);
    }

    /// <summary>conv 5x5 16 - relu - maxpool 2 - conv 3x3 32 - relu - maxpool 2 - flatten - linear classes (28x28x1: 800 features).</summary>
    public static NetworkSpec CnnSmall(TensorShape input, int classes)
    {
        int h = ((input.Height - 4) / 2 - 2) / 2, w = ((input.Width - 4) / 2 - 2) / 2; // the flatten width, when the layers fit
        return new NetworkSpec(input,
        [
            LayerSpec.Conv2d(input.Channels, 16, 5, 5), LayerSpec.ReLU(), LayerSpec.MaxPool2d(2, 2),
            LayerSpec.Conv2d(16, 32, 3, 3), LayerSpec.ReLU(), LayerSpec.MaxPool2d(2, 2),
            LayerSpec.Flatten(), LayerSpec.Linear(Math.Max(1, 32 * h * w), classes),
        ]);
    }

    /// <summary>
    /// DeepOBS's 3C3D: conv 64 5x5 valid - relu - maxpool 3/2 - conv 96 3x3 valid - relu - maxpool 3/2 -
    /// conv 128 3x3 same - relu - maxpool 3/2 - linear 512 - relu - linear 256 - relu - linear classes. TensorFlow's
    /// 'same' pools pad one side; padding 1 on both gives the same sizes (32x32: 28 -> 14, 12 -> 6, 6 -> 3;
    /// 28x28: 24 -> 12, 10 -> 5, 5 -> 3; 3*3*128 = 1152 features either way).
    /// </summary>
    public static NetworkSpec ThreeC3D(TensorShape input, int classes)
    {
        static int Pool(int x) => (x + 2 - 3) / 2 + 1;
        int h = Pool(Pool(Pool(input.Height - 4) - 2)), w = Pool(Pool(Pool(input.Width - 4) - 2));
        return new NetworkSpec(input,
        [
            LayerSpec.Conv2d(input.Channels, 64, 5, 5), LayerSpec.ReLU(), LayerSpec.MaxPool2d(3, 3, 2, 2, 1, 1),
            LayerSpec.Conv2d(64, 96, 3, 3), LayerSpec.ReLU(), LayerSpec.MaxPool2d(3, 3, 2, 2, 1, 1),
            LayerSpec.Conv2d(96, 128, 3, 3, padH: 1, padW: 1), LayerSpec.ReLU(), LayerSpec.MaxPool2d(3, 3, 2, 2, 1, 1),
            LayerSpec.Flatten(), LayerSpec.Linear(Math.Max(1, 128 * h * w), 512), LayerSpec.ReLU(), LayerSpec.Linear(512, 256), LayerSpec.ReLU(),
            LayerSpec.Linear(256, classes),
        ]);
    }

    /// <summary>C x H x W of <paramref name="data"/>'s rows: 3x32x32 for 3072 values, 1 x n x n for n^2.</summary>
    public static TensorShape ImageShape(Dataset data)
    {
        if (data.FeatureCount == 3 * 32 * 32) return new TensorShape(3, 32, 32);
        int side = (int)Math.Round(Math.Sqrt(data.FeatureCount));
        return side * side == data.FeatureCount
            ? new TensorShape(1, side, side)
            : throw new ArgumentException($"{data.Name} has {data.FeatureCount} features per sample, not an image (3x32x32 or 1 x n x n); use --model mlp.");
    }
}
