using HesScale.Bench.Ptx;
using HesScale.Gpu.Kernels;
using ILGPU.Runtime.Cuda;

namespace HesScale.Tests.Ptx;

/// <summary>
/// Every kernel compiled to PTX by ILGPU's PTX backend (no GPU needed) and, where NVIDIA's ptxas is
/// present, assembled for a real architecture with no spills. Without ptxas the assembly test is
/// inconclusive and says how to get it (CI gets it from .ci/install-ptxas).
/// </summary>
[TestClass]
public sealed class PtxBuildTests
{
    private static readonly Dictionary<string, IReadOnlyList<PtxKernel>> Compiled = [];

    private static IReadOnlyList<PtxKernel> Compile(string arch)
    {
        lock (Compiled)
        {
            if (!Compiled.TryGetValue(arch, out var kernels))
                Compiled[arch] = kernels = PtxBuild.Compile(PtxBuild.Parse(arch)!.Value);
            return kernels;
        }
    }

    public static IEnumerable<object[]> Architectures => PtxBuild.Architectures.Select(a => new object[] { PtxBuild.NameOf(a) });

    [TestMethod]
    [DynamicData(nameof(Architectures))]
    public void Every_kernel_compiles_to_PTX_for_the_architecture(string arch)
    {
        var kernels = Compile(arch);
        CollectionAssert.AreEqual(KernelCatalog.All.Select(KernelCatalog.NameOf).ToArray(), kernels.Select(k => k.Name).ToArray());
        foreach (var k in kernels)
        {
            // The module's target never exceeds the architecture asked for (ILGPU 1.5.3 writes sm_80 for sm_90).
            Assert.IsTrue(k.Target.StartsWith("sm_", StringComparison.Ordinal) && string.CompareOrdinal(k.Target, arch) <= 0 && string.CompareOrdinal(k.Target, "sm_70") >= 0,
                $"{k.Name}: .target {k.Target} for {arch}");
            StringAssert.Contains(k.Ptx, ".version 7.8", k.Name);
            Assert.AreEqual(1, CountOf(k.Ptx, ".entry "), $"{k.Name}: one entry function per module");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Architectures))]
    public void Ptxas_assembles_every_kernel_without_spills(string arch)
    {
        string ptxas = Ptxas.Find() ?? AssertInconclusive();
        string work = Directory.CreateTempSubdirectory("hesscale-ptxas-").FullName;
        try
        {
            var reports = Compile(arch).Select(k => Ptxas.Assemble(ptxas, k, work)).ToArray();
            foreach (var r in reports)
            {
                Assert.IsTrue(r.Registers is > 0 and <= 255, $"{r.Kernel}: {r.Registers} registers");
                Assert.AreEqual(0, r.SpillStoreBytes + r.SpillLoadBytes, $"{r.Kernel} spills on {arch}");
                // Shared memory is used by the tiled kernels only (Linear and conv, not the split-K sum): two 16 x 16 float tiles.
                bool tiled = r.Kernel.StartsWith(nameof(TiledLinearKernels) + ".", StringComparison.Ordinal)
                    || (r.Kernel.StartsWith(nameof(TiledConv2dKernels) + ".", StringComparison.Ordinal) && r.Kernel != $"{nameof(TiledConv2dKernels)}.{nameof(TiledConv2dKernels.SumSlices)}");
                int expectedShared = tiled ? 2 * 16 * 16 * sizeof(float) : 0;
                Assert.AreEqual(expectedShared, r.SharedBytes, r.Kernel);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [TestMethod]
    public void Ptxas_refusal_is_an_error_naming_the_kernel()
    {
        string ptxas = Ptxas.Find() ?? AssertInconclusive();
        string work = Directory.CreateTempSubdirectory("hesscale-ptxas-").FullName;
        try
        {
            var good = Compile("sm_90")[0];
            var broken = good with { Name = "Broken", Ptx = good.Ptx.Replace(".entry ", ".entri ", StringComparison.Ordinal) };
            var e = Assert.ThrowsExactly<InvalidOperationException>(() => Ptxas.Assemble(ptxas, broken, work));
            StringAssert.Contains(e.Message, "Broken");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string AssertInconclusive()
    {
        Assert.Inconclusive($"NVIDIA ptxas not found: {Ptxas.HowToGet}.");
        return "";
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    [TestMethod]
    public void Architectures_parse_by_name_and_refuse_others()
    {
        Assert.AreEqual(CudaArchitecture.SM_90, PtxBuild.Parse("sm_90"));
        Assert.AreEqual(CudaArchitecture.SM_70, PtxBuild.Parse("70"));
        Assert.IsNull(PtxBuild.Parse("sm_75"));
        Assert.IsNull(PtxBuild.Parse("banana"));
    }
}
