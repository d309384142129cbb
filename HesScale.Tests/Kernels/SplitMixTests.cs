using HesScale.Gpu;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Training;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Kernels;

/// <summary>
/// The three users of SplitMix64's finaliser (<see cref="RandomMath"/>: one implementation) draw the
/// numbers they drew before it was shared: the published SplitMix64 stream, the counter-based hash
/// of the kernels, and the optimizers' per-step seeds.
/// </summary>
[TestClass]
public sealed class SplitMixTests
{
    [TestMethod]
    public void SplitMix64_draws_the_published_stream()
    {
        // Vigna's splitmix64.c from state 0 and from 1234567.
        var zero = new SplitMix64(0);
        CollectionAssert.AreEqual(new[] { 0xE220A8397B1DCDAFUL, 0x6E789E6AA1B965F4UL, 0x06C45D188009454FUL },
            new[] { zero.NextUInt64(), zero.NextUInt64(), zero.NextUInt64() });
        var other = new SplitMix64(1234567);
        CollectionAssert.AreEqual(new[] { 6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL },
            new[] { other.NextUInt64(), other.NextUInt64(), other.NextUInt64() });
    }

    [TestMethod]
    public void Counter_based_hash_keeps_its_numbers()
    {
        // Values of RandomMath.Hash(7, 3, i) before the finaliser was shared (kernels and host alike).
        CollectionAssert.AreEqual(new[] { 0x09C711D21A902244UL, 0x5BC8235EE2F52C50UL, 0x11B02D15DC246C8CUL },
            new[] { RandomMath.Hash(7, 3, 0), RandomMath.Hash(7, 3, 1), RandomMath.Hash(7, 3, 2) });
    }

    [TestMethod]
    public void Optimizer_seeds_keep_their_numbers()
    {
        using var net = new Network(Devices.Native, new NetworkSpec(LayerSpec.Linear(2, 2)), seed: 0);
        using var a = Optimizer.Create("adahessian", net, new OptimizerSettings { Seed = 42 });
        using var b = Optimizer.Create("adahessian", net, new OptimizerSettings { Seed = 0 });
        Assert.AreEqual(0xBDD732262FEB6E95UL, a.NextSeed);
        Assert.AreEqual(new SplitMix64(0).NextUInt64(), b.NextSeed, "step 0 of seed s is the first SplitMix64 draw from s");
    }
}
