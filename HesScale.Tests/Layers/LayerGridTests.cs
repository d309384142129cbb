using HesScale.Gpu;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Layers;
using ILGPU;
using ILGPU.Runtime;

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

/// <summary>
/// A layer kind's ops living outside the backends, as a new kind's would: an ILGPU implementation
/// loading its own kernel and a native one, picked by <see cref="Backend.LayerOps"/>.
/// </summary>
internal abstract class ScaleOps
{
    public abstract void Scale(DeviceBuffer x, int count, float factor);

    public static ScaleOps Create(Backend backend) => backend is HesScale.Gpu.Devices.IlgpuBackend ilgpu ? new Ilgpu(ilgpu) : new Native();

    private sealed class Ilgpu(HesScale.Gpu.Devices.IlgpuBackend backend) : ScaleOps
    {
        private readonly Action<KernelConfig, ArrayView<float>, int, float> _kernel =
            backend.Accelerator.LoadStreamKernel<ArrayView<float>, int, float>(Kernel);

        private static void Kernel(ArrayView<float> x, int count, float factor)
        {
            int stride = Grid.DimX * Group.DimX;
            for (int i = Grid.GlobalIndex.X; i < count; i += stride) x[i] *= factor;
        }

        public override void Scale(DeviceBuffer x, int count, float factor) =>
            _kernel(backend.LaunchShape(count), HesScale.Gpu.Devices.IlgpuBackend.ViewOf(x, 0, count), count, factor);
    }

    private sealed class Native : ScaleOps
    {
        public override void Scale(DeviceBuffer x, int count, float factor)
        {
            var host = new float[count];
            x.Download(host);
            for (int i = 0; i < count; i++) host[i] *= factor;
            x.Upload(host);
        }
    }
}

[TestClass]
public sealed class LayerOpsTests
{
    [TestMethod]
    [DataRow(DeviceKind.Cpu)]
    [DataRow(DeviceKind.IlgpuCpu)]
    public void Ops_outside_the_backend_run_on_both_devices(DeviceKind kind)
    {
        var backend = Engine.Devices.Get(kind).Backend;
        using var x = backend.Allocate(5);
        x.Upload([1f, -2f, 3f, 0.5f, 7f]);
        long launches = backend.Launches;
        backend.LayerOps(ScaleOps.Create).Scale(x, 5, 3f);
        backend.Synchronize();
        var result = new float[5];
        x.Download(result);
        CollectionAssert.AreEqual(new[] { 3f, -6f, 9f, 1.5f, 21f }, result);
        Assert.AreEqual(kind == DeviceKind.IlgpuCpu ? launches + 1 : launches, backend.Launches);
    }
}
