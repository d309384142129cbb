using HesScale.Gpu;
using HesScale.Reference;
using static HesScale.Tests.Reference.RandomNetworks;

namespace HesScale.Tests.Reference;

/// <summary>Argument checks at the reference's public surface.</summary>
[TestClass]
public sealed class ReferenceValidationTests
{
    [TestMethod]
    public void ExactMethods_RefuseMoreThanMaxExactParameters()
    {
        var spec = new NetworkSpec(LayerSpec.Linear(100, 50)); // 5050 parameters
        var net = new ReferenceNetwork(spec, Parameters(spec, new Random(1)));
        var x = Uniform(new Random(2), 100, 1);
        var t = ReferenceTargets.FromClasses([3]);
        var loss = LossSpec.CrossEntropy();
        foreach (Action call in new Action[]
                 {
                     () => net.FullHessian(x, 1, t, loss),
                     () => net.ExactDiagonal(x, 1, t, loss),
                     () => net.GgnDiagonal(x, 1, t, loss),
                 })
        {
            var ex = Assert.Throws<ArgumentException>(call);
            Assert.Contains("5050", ex.Message);
        }
        Assert.HasCount(2, net.Curvature(x, 1, t, loss, CurvatureMethod.HesScale)); // the cheap methods still work
    }

    [TestMethod]
    public void BadTargets_Throw()
    {
        var p = Create(LayerKind.Tanh, LossSpec.CrossEntropy(), 3);
        var mse = LossSpec.Mse();
        Assert.Contains("sample 1", Assert.Throws<ArgumentException>(() => p.Net.Loss(p.Inputs, 3, ReferenceTargets.FromClasses([0, 3, 1]), p.Loss)).Message);
        Assert.Contains("sample 2", Assert.Throws<ArgumentException>(() => p.Net.Gradient(p.Inputs, 3, ReferenceTargets.FromClasses([0, 1, -1]), p.Loss)).Message);
        Assert.Throws<ArgumentException>(() => p.Net.Gradient(p.Inputs, 3, ReferenceTargets.FromClasses([0, 1]), p.Loss));
        Assert.Throws<ArgumentException>(() => p.Net.Gradient(p.Inputs, 3, ReferenceTargets.FromValues(new double[9]), p.Loss));
        Assert.Throws<ArgumentException>(() => p.Net.Gradient(p.Inputs, 3, ReferenceTargets.FromClasses([0, 1, 2]), mse));
        Assert.Throws<ArgumentException>(() => p.Net.Gradient(p.Inputs, 3, ReferenceTargets.FromValues(new double[8]), mse));
        var nan = new double[9];
        nan[7] = double.NaN;
        Assert.Contains("sample 2", Assert.Throws<ArgumentException>(() => p.Net.Curvature(p.Inputs, 3, ReferenceTargets.FromValues(nan), mse, CurvatureMethod.HesScale)).Message);
    }

    [TestMethod]
    public void BadParametersInputsAndMethods_Throw()
    {
        var p = Create(LayerKind.Tanh, LossSpec.Mse(), 4);
        var spec = p.Net.Spec;
        Assert.Throws<ArgumentException>(() => new ReferenceNetwork(spec, p.Parameters.Take(3).ToArray()));
        var shortTensor = Copy(p.Parameters);
        shortTensor[2] = new double[shortTensor[2].Length - 1];
        Assert.Contains("layer 2 weight", Assert.Throws<ArgumentException>(() => new ReferenceNetwork(spec, shortTensor)).Message);
        var nan = Copy(p.Parameters);
        nan[1][0] = double.PositiveInfinity;
        Assert.Throws<ArgumentException>(() => new ReferenceNetwork(spec, nan));
        Assert.Throws<ArgumentException>(() => p.Net.HessianVectorProduct(p.Inputs, p.Batch, p.Targets, p.Loss, shortTensor));
        Assert.Throws<ArgumentException>(() => p.Net.Forward(new double[p.Inputs.Length + 1], p.Batch));
        Assert.Throws<ArgumentException>(() => p.Net.Curvature(p.Inputs, p.Batch, p.Targets, p.Loss, CurvatureMethod.Exact));
        Assert.Throws<ArgumentNullException>(() => p.Net.Curvature(p.Inputs, p.Batch, p.Targets, p.Loss, null!));
    }

    [TestMethod]
    public void Network_CopiesItsParameters()
    {
        var p = Create(LayerKind.Tanh, LossSpec.Mse(), 5);
        var before = p.Net.Forward(p.Inputs, p.Batch);
        p.Parameters[0][0] += 1.0;
        CollectionAssert.AreEqual(before, p.Net.Forward(p.Inputs, p.Batch));
        p.Parameters[0][0] -= 1.0;
    }
}
