using HesScale.Gpu;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Layers;

namespace HesScale.Tests.Layers;

/// <summary>The layer objects a spec builds, and the per-kind ops cache a new layer kind plugs into.</summary>
[TestClass]
public sealed class LayerGridTests
{
    [TestMethod]
    public void Spec_builds_one_object_per_layer_with_chained_shapes_and_parameters()
    {
        var spec = new NetworkSpec(LayerSpec.Linear(5, 7), LayerSpec.Tanh(), LayerSpec.Linear(7, 3, bias: false), LayerSpec.LeakyReLU(0.2f), LayerSpec.Linear(3, 2));
        var objects = spec.LayerObjects;
        Assert.HasCount(5, objects);
        CollectionAssert.AreEqual(new[] { typeof(LinearLayer), typeof(ActivationLayer), typeof(LinearLayer), typeof(ActivationLayer), typeof(LinearLayer) },
            objects.Select(o => o.GetType()).ToArray());
        CollectionAssert.AreEqual(new[] { 5, 7, 7, 3, 3 }, objects.Select(o => o.In).ToArray());
        CollectionAssert.AreEqual(new[] { 7, 7, 3, 3, 2 }, objects.Select(o => o.Out).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 2, 2, 3, 3 }, objects.Select(o => o.FirstParameter).ToArray());
        Assert.AreEqual(new TensorShape(7, 1, 1), objects[1].OutputShape);
        // Parameters are numbered layer by layer from each object's FirstParameter.
        foreach (var p in spec.Parameters) Assert.AreEqual(p.LayerIndex, objects.Last(o => o.FirstParameter <= p.Index && o.Parameters.Count > 0).Index);
        Assert.AreEqual("linear(5,7,bias) tanh linear(7,3,nobias) leaky_relu(0.2) linear(3,2,bias)", HesScale.Gpu.Checkpoints.Architecture.Describe(spec));
    }

    [TestMethod]
    public void A_width_that_does_not_chain_names_the_layer_and_the_numbers()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new NetworkSpec(LayerSpec.Linear(4, 6), LayerSpec.ReLU(), LayerSpec.Linear(5, 2)));
        Assert.AreEqual("layers", e.ParamName);
        StringAssert.Contains(e.Message, "Layer 2 Linear(5, 2) expects 5 inputs but the previous layer gives 6");
    }

    private sealed class CountingOps : IDisposable
    {
        public static int Created;
        public bool Disposed { get; private set; }
        public CountingOps() => Created++;
        public void Dispose() => Disposed = true;
    }

    [TestMethod]
    [DataRow(DeviceKind.Cpu)]
    [DataRow(DeviceKind.IlgpuCpu)]
    public void Layer_ops_are_created_once_per_backend_and_disposed_with_it(DeviceKind kind)
    {
        CountingOps first;
        int before = CountingOps.Created;
        using (var device = ComputeDevice.Create(kind))
        {
            first = device.Backend.LayerOps(_ => new CountingOps());
            Assert.AreSame(first, device.Backend.LayerOps(_ => new CountingOps()));
            Assert.AreEqual(before + 1, CountingOps.Created);
            Assert.IsFalse(first.Disposed);
        }
        Assert.IsTrue(first.Disposed);
    }
}
