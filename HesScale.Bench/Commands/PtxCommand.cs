using System.Globalization;
using System.Text;
using HesScale.Bench.Ptx;
using HesScale.Gpu.Files;
using HesScale.Gpu.Kernels;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale ptx</c>: every kernel of the library (<see cref="KernelCatalog"/>) compiled to PTX for
/// sm_70, sm_80 and sm_90 without a GPU and, where NVIDIA's ptxas is present, assembled for each,
/// with its registers, shared memory, stack, spills and theoretical sm_90 occupancy; writes the PTX
/// files and ptx.csv.
/// </summary>
public static class PtxCommand
{
    public const string Usage =
        "usage: hesscale ptx [--archs LIST] [--ptxas PATH] [--require-ptxas] [--out DIR]\n" +
        "  --archs LIST     sm_70, sm_80, sm_90 (default: all three)\n" +
        "  --ptxas PATH     NVIDIA's PTX assembler (default: $HESSCALE_PTXAS, /opt/hesscale-ptxas/ptxas, then PATH);\n" +
        "                   without one the kernels are compiled to PTX but not assembled\n" +
        "  --require-ptxas  exit 1 when there is no ptxas instead of compiling only\n" +
        "  --out DIR        where <arch>/<kernel>.ptx and ptx.csv go (default results/ptx)";

    private const string Command = "ptx";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var o = CommandLine.Parse(args, Command, ["require-ptxas"], "archs", "ptxas", "out");
            var archs = (o.Get("archs") ?? string.Join(',', PtxBuild.Architectures.Select(PtxBuild.NameOf)))
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(a => PtxBuild.Parse(a) ?? throw new UsageException(
                    $"{Command}: unknown architecture '{a}' (known: {string.Join(", ", PtxBuild.Architectures.Select(PtxBuild.NameOf))})."))
                .Distinct().ToArray();
            if (archs.Length == 0) throw new UsageException($"{Command}: --archs names no architecture.");
            string? ptxas = o.Get("ptxas");
            if (ptxas is not null && !File.Exists(ptxas)) throw new UsageException($"{Command}: --ptxas '{ptxas}' does not exist.");
            ptxas ??= Ptxas.Find();
            if (ptxas is null && o.Has("require-ptxas"))
            {
                stderr.WriteLine($"hesscale ptx: error: no ptxas found; {Ptxas.HowToGet}.");
                return 1;
            }
            string outDir = o.Get("out") ?? Path.Combine("results", "ptx");

            stdout.WriteLine($"{KernelCatalog.All.Count} kernels, PTX ISA {PtxBuild.InstructionSet}, " +
                (ptxas is null ? $"no ptxas: compiled only ({Ptxas.HowToGet})" : $"assembled by {ptxas}"));
            var rows = new List<(PtxKernel Kernel, PtxasReport? Report)>();
            // ptxas writes its inputs and cubins in a folder of its own, removed afterwards.
            string work = Directory.CreateTempSubdirectory("hesscale-ptxas-").FullName;
            try
            {
                foreach (var arch in archs)
                {
                    string archDir = Path.Combine(outDir, PtxBuild.NameOf(arch));
                    Directory.CreateDirectory(archDir);
                    var kernels = PtxBuild.Compile(arch);
                    foreach (var kernel in kernels) AtomicFile.WriteAllText(Path.Combine(archDir, kernel.Name + ".ptx"), kernel.Ptx);
                    // One ptxas process per kernel, as many at once as there are cores (~0.2 s each).
                    rows.AddRange(kernels.AsParallel().AsOrdered()
                        .Select(k => (k, ptxas is null ? null : (PtxasReport?)Ptxas.Assemble(ptxas, k, work))));
                }
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }

            Print(stdout, rows);
            string csv = Path.Combine(outDir, "ptx.csv");
            AtomicFile.WriteAllText(csv, Csv(rows));
            stdout.WriteLine($"wrote {csv} and {rows.Count} .ptx files under {outDir}");
            return 0;
        }, e => e is System.ComponentModel.Win32Exception);
    }

    /// <summary>One line per kernel and architecture; occupancy for sm_90 rows.</summary>
    private static void Print(TextWriter stdout, List<(PtxKernel Kernel, PtxasReport? Report)> rows)
    {
        stdout.WriteLine($"{"kernel",-44} {"arch",-6} {"target",-6} {"PTX B",7} {"regs",5} {"smem B",7} {"stack B",8} {"spill B",8}  sm_90 occupancy (groups of {Occupancy.GroupSize})");
        foreach (var (k, r) in rows)
        {
            string resources = r is null ? "" : string.Create(CultureInfo.InvariantCulture,
                $" {r.Registers,5} {r.SharedBytes,7} {r.StackBytes,8} {r.SpillStoreBytes + r.SpillLoadBytes,8}  {OccupancyText(r)}");
            stdout.WriteLine($"{k.Name,-44} {k.Architecture,-6} {k.Target,-6} {k.Ptx.Length,7}{resources}");
        }
        if (rows.Any(r => r.Report is not null)) stdout.WriteLine($"occupancy: {Occupancy.Formula}");
    }

    private static string OccupancyText(PtxasReport r)
    {
        if (r.Architecture != "sm_90") return "";
        var occ = Occupancy.Sm90(r.Registers, r.SharedBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{occ.Fraction:P0} ({occ.GroupsPerSm} groups/SM, {occ.Limit}-bound)");
    }

    internal static string Csv(IEnumerable<(PtxKernel Kernel, PtxasReport? Report)> rows)
    {
        var text = new StringBuilder("arch,kernel,ptx_target,ptx_bytes,registers,shared_bytes,stack_bytes,spill_store_bytes,spill_load_bytes,sm90_groups_per_sm,sm90_occupancy\n");
        foreach (var (k, r) in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{k.Architecture},{k.Name},{k.Target},{k.Ptx.Length},");
            if (r is null)
            {
                text.Append(",,,,,,\n");
                continue;
            }
            text.Append(CultureInfo.InvariantCulture, $"{r.Registers},{r.SharedBytes},{r.StackBytes},{r.SpillStoreBytes},{r.SpillLoadBytes},");
            if (r.Architecture == "sm_90")
            {
                var occ = Occupancy.Sm90(r.Registers, r.SharedBytes);
                text.Append(CultureInfo.InvariantCulture, $"{occ.GroupsPerSm},{occ.Fraction:G4}\n");
            }
            else text.Append(",\n");
        }
        return text.ToString();
    }
}
