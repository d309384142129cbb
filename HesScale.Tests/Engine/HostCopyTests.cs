using HesScale.Gpu;

namespace HesScale.Tests.Engine;

/// <summary>
/// Host copies must pin managed arrays: ILGPU's copy takes a raw address, and a compacting GC
/// on another thread can move an unpinned array mid-copy (once seen as rare garbage parameters
/// in the full suite). A background thread forces compacting collections while fresh (movable)
/// arrays go up and down.
/// </summary>
[TestClass]
public sealed class HostCopyTests
{
    [TestMethod]
    [DataRow(DeviceKind.IlgpuCpu)]
    [DataRow(DeviceKind.Cpu)]
    public void Uploads_and_downloads_survive_compacting_collections(DeviceKind kind)
    {
        const int length = 4099; // 16 KB: below the large-object heap (never compacted), above memmove's native threshold
        using var buffer = Devices.Get(kind).Backend.Allocate(length);
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                _ = new byte[1024]; // something to compact around
                GC.Collect(0, GCCollectionMode.Forced, blocking: true, compacting: true);
                Thread.Yield();
            }
        });
        collector.Start();
        try
        {
            for (int round = 0; round < 3000; round++)
            {
                var source = new float[length];
                for (int i = 0; i < length; i++) source[i] = round + i * 1e-3f;
                buffer.Upload(source);
                var back = new float[length];
                buffer.Download(back);
                int bad = 0;
                for (int i = 0; i < length; i++) if (back[i] != source[i]) bad++;
                Assert.AreEqual(0, bad, $"round {round}: {bad} of {length} floats differ after upload + download on {kind}");
            }
        }
        finally
        {
            stop.Cancel();
            collector.Join();
        }
    }
}
