using HesScale.Bench.Ptx;

namespace HesScale.Tests.Ptx;

/// <summary>Parsing ptxas -v reports (the formats of ptxas 11.8) and the sm_90 occupancy formula.</summary>
[TestClass]
public sealed class PtxasReportTests
{
    private const string Tiled =
        "ptxas info    : 0 bytes gmem\n" +
        "ptxas info    : Compiling entry function 'Kernel_Forward' for 'sm_90'\n" +
        "ptxas info    : Function properties for Kernel_Forward\n" +
        "    8 bytes stack frame, 4 bytes spill stores, 12 bytes spill loads\n" +
        "ptxas info    : Used 23 registers, 2048 bytes smem, 416 bytes cmem[0]\n";

    private const string NoShared =
        "ptxas info    : 0 bytes gmem\n" +
        "ptxas info    : Compiling entry function 'Kernel_Sgd' for 'sm_70'\n" +
        "ptxas info    : Function properties for Kernel_Sgd\n" +
        "    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n" +
        "ptxas info    : Used 14 registers, 408 bytes cmem[0]\n";

    [TestMethod]
    public void Reads_registers_shared_memory_stack_and_spills()
    {
        Assert.AreEqual(new PtxasReport("k", "sm_90", 23, 2048, 8, 4, 12), Ptxas.Parse(Tiled, "k", "sm_90"));
        Assert.AreEqual(new PtxasReport("s", "sm_70", 14, 0, 0, 0, 0), Ptxas.Parse(NoShared, "s", "sm_70"));
    }

    [TestMethod]
    public void A_report_without_an_entry_or_register_line_is_refused()
    {
        Assert.ThrowsExactly<FormatException>(() => Ptxas.Parse("ptxas info    : 0 bytes gmem\n", "k", "sm_90"));
        Assert.ThrowsExactly<FormatException>(() => Ptxas.Parse(Tiled.Replace("Used 23 registers", "Used many", StringComparison.Ordinal), "k", "sm_90"));
    }

    [TestMethod]
    [DataRow(32, 0, 8, 1.0, "warps")]             // 1,024 registers per warp: 64 warps fit, 8 groups of 8 warps
    [DataRow(33, 0, 6, 0.75, "registers")]        // rounded to 1,280 per warp: 51 warps, 6 groups
    [DataRow(64, 0, 4, 0.5, "registers")]
    [DataRow(255, 0, 1, 0.125, "registers")]      // 8,192 per warp: 8 warps, one group
    [DataRow(16, 2048, 8, 1.0, "warps")]          // 3 KB with the reserved 1 KB: 76 groups by shared memory
    [DataRow(16, 100 * 1024, 2, 0.25, "shared memory")] // 101 KB each: 2 in 228 KB
    public void Sm90_occupancy_of_groups_of_256(int registers, int shared, int groups, double fraction, string limit)
    {
        var o = Occupancy.Sm90(registers, shared);
        Assert.AreEqual((groups, limit), (o.GroupsPerSm, o.Limit));
        Assert.AreEqual(fraction, o.Fraction, 1e-12);
    }

    [TestMethod]
    public void Small_groups_hit_the_32_group_limit()
    {
        var o = Occupancy.Sm90(16, 0, threads: 32);
        Assert.AreEqual((32, 0.5, "groups"), (o.GroupsPerSm, o.Fraction, o.Limit));
    }
}
