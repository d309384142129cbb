using System.Reflection;
using HesScale.Gpu.Kernels;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime.Cuda;

namespace HesScale.Bench.Ptx;

/// <summary>One kernel compiled to PTX for one architecture.</summary>
public sealed record PtxKernel(string Name, string Architecture, string Ptx)
{
    /// <summary>
    /// The module's <c>.target</c>: ILGPU 1.5.3 writes sm_80 when asked for sm_90 (seen here); the
    /// driver, like <c>ptxas -arch=sm_90</c>, compiles PTX of a lower target for the newer GPU.
    /// </summary>
    public string Target => Ptx.Split('\n').FirstOrDefault(l => l.StartsWith(".target ", StringComparison.Ordinal))?[".target ".Length..].Trim() ?? "";
}

/// <summary>
/// Compiles the library's kernels (<see cref="KernelCatalog"/>) to PTX with ILGPU's PTX backend,
/// as the CUDA accelerator would, but without a GPU or driver: the backend only needs the target
/// architecture and PTX instruction set.
/// </summary>
public static class PtxBuild
{
    /// <summary>V100, A100, H100/H200.</summary>
    public static readonly IReadOnlyList<CudaArchitecture> Architectures = [CudaArchitecture.SM_70, CudaArchitecture.SM_80, CudaArchitecture.SM_90];

    /// <summary>PTX ISA 7.8: the first with sm_90 and the newest that ptxas 11.8 (Debian 12) reads.</summary>
    public static readonly CudaInstructionSet InstructionSet = CudaInstructionSet.ISA_78;

    /// <summary>"sm_90" for SM_90.</summary>
    public static string NameOf(CudaArchitecture architecture) => $"sm_{architecture.Major}{architecture.Minor}";

    /// <summary>Parses "sm_90" (or "90"); null when it is not one of <see cref="Architectures"/>.</summary>
    public static CudaArchitecture? Parse(string text)
    {
        string digits = text.Trim().ToLowerInvariant().Replace("sm_", "", StringComparison.Ordinal);
        foreach (var a in Architectures)
            if (digits == $"{a.Major}{a.Minor}") return a;
        return null;
    }

    /// <summary>PTX of every kernel in <paramref name="kernels"/> (default: the whole catalog) for <paramref name="architecture"/>.</summary>
    public static IReadOnlyList<PtxKernel> Compile(CudaArchitecture architecture, IEnumerable<MethodInfo>? kernels = null)
    {
        // The same context extensions as the CUDA device (ComputeDevice): the kernels call ILGPU.Algorithms' XMath.
        using var context = Context.Create(b => b.EnableAlgorithms());
        using var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, InstructionSet, null);
        var result = new List<PtxKernel>();
        foreach (var kernel in kernels ?? KernelCatalog.All)
        {
            var entry = EntryPointDescription.FromExplicitlyGroupedKernel(kernel);
            var compiled = (PTXCompiledKernel)backend.Compile(entry, default);
            result.Add(new PtxKernel(KernelCatalog.NameOf(kernel), NameOf(architecture), compiled.PTXAssembly));
        }
        return result;
    }
}
