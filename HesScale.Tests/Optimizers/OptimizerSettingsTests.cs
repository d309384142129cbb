using HesScale.Gpu.Optimizers;

namespace HesScale.Tests.Optimizers;

[TestClass]
public sealed class OptimizerSettingsTests
{
    public static IEnumerable<object[]> BadSettings =>
    [
        [new OptimizerSettings { LearningRate = -1e-3f }, "LearningRate"],
        [new OptimizerSettings { LearningRate = float.NaN }, "LearningRate"],
        [new OptimizerSettings { Beta1 = 1f }, "Beta1"],
        [new OptimizerSettings { Beta1 = -0.1f }, "Beta1"],
        [new OptimizerSettings { Beta2 = 1.5f }, "Beta2"],
        [new OptimizerSettings { Beta2 = float.NaN }, "Beta2"],
        [new OptimizerSettings { Epsilon = -1e-8f }, "Epsilon"],
        [new OptimizerSettings { Momentum = -0.5f }, "Momentum"],
        [new OptimizerSettings { WeightDecay = float.PositiveInfinity }, "WeightDecay"],
        [new OptimizerSettings { Delta = 0f }, "Delta"],
        [new OptimizerSettings { Delta = -1f }, "Delta"],
        [new OptimizerSettings { AlphaMax = 0f }, "AlphaMax"],
        [new OptimizerSettings { Samples = 0 }, "Samples"],
    ];

    [TestMethod]
    [DynamicData(nameof(BadSettings))]
    public void Invalid_field_is_named(OptimizerSettings settings, string field)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(settings.Validate);
        Assert.AreEqual(field, e.ParamName);
        StringAssert.Contains(e.Message, field);
    }

    [TestMethod]
    public void Defaults_are_valid_and_follow_pytorch_and_the_official_code()
    {
        var s = new OptimizerSettings();
        s.Validate();
        Assert.AreEqual(1e-3f, s.LearningRate);
        Assert.AreEqual(0.9f, s.Beta1);
        Assert.AreEqual(0.999f, s.Beta2);
        Assert.AreEqual(1e-8f, s.Epsilon);
        Assert.AreEqual(1e-4f, s.Delta);
        Assert.AreEqual(1f, s.AlphaMax);
        new OptimizerSettings { LearningRate = 0f, Beta1 = 0f, Beta2 = 0f, Epsilon = 0f }.Validate(); // boundaries that are allowed
    }
}
