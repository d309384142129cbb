using HesScale.Gpu;

namespace HesScale.Tests.Engine;

[TestClass]
public sealed class DeviceSelectionTests
{
    [TestMethod]
    public void Names_select_kinds()
    {
        using (var d = ComputeDevice.Create("cpu", threads: 1)) Assert.AreEqual(DeviceKind.Cpu, d.Kind);
        using (var d = ComputeDevice.Create("ilgpu-cpu")) Assert.AreEqual(DeviceKind.IlgpuCpu, d.Kind);
        StringAssert.Contains(ComputeDevice.Create("cpu", threads: 3).Name, "3 threads");
    }

    [TestMethod]
    public void Unknown_name_lists_the_choices()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => ComputeDevice.Create("tpu"));
        StringAssert.Contains(e.Message, "ilgpu-cpu");
    }

    [TestMethod]
    [DataRow(DeviceKind.Cuda)]
    [DataRow(DeviceKind.OpenCL)]
    public void Missing_gpu_is_a_clear_error_listing_devices(DeviceKind kind)
    {
        ComputeDevice? device = null;
        try
        {
            device = ComputeDevice.Create(kind);
        }
        catch (DeviceNotFoundException e)
        {
            StringAssert.Contains(e.Message, "Devices found");
            StringAssert.Contains(e.Message, "cpu (native");
            return;
        }
        finally
        {
            device?.Dispose();
        }
        Assert.AreEqual(kind, device!.Kind, "a GPU of that kind is present, and it was opened");
    }

    [TestMethod]
    public void Auto_falls_back_to_a_working_device()
    {
        using var d = ComputeDevice.Create(DeviceKind.Auto);
        Assert.AreNotEqual(DeviceKind.Auto, d.Kind);
        Assert.AreNotEqual(DeviceKind.IlgpuCpu, d.Kind);
    }

    [TestMethod]
    public void Command_line_value_beats_environment_variable()
    {
        string? saved = Environment.GetEnvironmentVariable(ComputeDevice.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(ComputeDevice.EnvironmentVariable, "ilgpu-cpu");
            using (var d = ComputeDevice.FromEnvironment(null)) Assert.AreEqual(DeviceKind.IlgpuCpu, d.Kind);
            using (var d = ComputeDevice.FromEnvironment("cpu")) Assert.AreEqual(DeviceKind.Cpu, d.Kind);
            Environment.SetEnvironmentVariable(ComputeDevice.EnvironmentVariable, "bogus");
            Assert.ThrowsExactly<ArgumentException>(() => ComputeDevice.FromEnvironment(null));
        }
        finally
        {
            Environment.SetEnvironmentVariable(ComputeDevice.EnvironmentVariable, saved);
        }
    }
}
