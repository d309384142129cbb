using HesScale.Gpu;
using HesScale.Gpu.Native;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Performance;

/// <summary>
/// The native products have two register-tile families (512-bit where AVX-512 is accelerated,
/// Vector&lt;float&gt; otherwise); a machine runs one of them by default, so both are forced here and
/// checked against the double reference on odd shapes with batches that take the panel path (>= 4).
/// </summary>
[TestClass]
public sealed class PanelTileFamilyTests
{
    [TestMethod]
    [DataRow(false, 0)] [DataRow(false, 1)] [DataRow(false, 2)]
    [DataRow(true, 0)] [DataRow(true, 1)] [DataRow(true, 2)]
    public void Both_tile_families_match_the_reference(bool wide, int seed)
    {
        foreach (int threads in new[] { 1, 2 })
        {
            using var device = ComputeDevice.CreateNative(threads, wideTiles: wide);
            // Widths past one 32-column panel and batches past one 6-row tile, none a multiple of either.
            var c = RandomCase.Create(900 + seed, maxWidth: 77, maxBatch: 5, hidden: 2, batchSize: 4 + 9 * seed + threads);
            EngineVersusReferenceTests.Check(device, c);
            Assert.AreEqual(wide, ((NativeBackend)device.Backend).WideTiles);
        }
    }
}
