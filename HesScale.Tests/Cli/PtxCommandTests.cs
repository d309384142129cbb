using HesScale.Bench.Commands;
using HesScale.Bench.Ptx;
using HesScale.Gpu.Kernels;

namespace HesScale.Tests.Cli;

[TestClass]
public sealed class PtxCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = PtxCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [TestMethod]
    public void Writes_one_PTX_file_and_csv_row_per_kernel()
    {
        using var run = new CliRun();
        var (code, output, err) = Run("--archs", "sm_80", "--out", run.Root);
        Assert.AreEqual(0, code, err);
        var lines = File.ReadAllLines(run.PathOf("ptx.csv"));
        Assert.AreEqual("arch,kernel,ptx_target,ptx_bytes,registers,shared_bytes,stack_bytes,spill_store_bytes,spill_load_bytes,sm90_groups_per_sm,sm90_occupancy", lines[0]);
        Assert.HasCount(KernelCatalog.All.Count + 1, lines);
        var ptxFiles = Directory.GetFiles(Path.Combine(run.Root, "sm_80"), "*.ptx");
        Assert.HasCount(KernelCatalog.All.Count, ptxFiles);
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(run.Root, "sm_80"), "*.cubin"));
        StringAssert.Contains(File.ReadAllText(Path.Combine(run.Root, "sm_80", "LinearKernels.Forward.ptx")), ".target sm_80");
        // With ptxas every row has its registers; without, the command says it only compiled.
        if (Ptxas.Find() is null) StringAssert.Contains(output, "no ptxas");
        else Assert.IsTrue(lines.Skip(1).All(l => int.Parse(l.Split(',')[4], System.Globalization.CultureInfo.InvariantCulture) > 0), output);
    }

    [TestMethod]
    public void Bad_options_are_one_line_usage_errors()
    {
        using var run = new CliRun();
        var (code, _, err) = Run("--archs", "sm_75", "--out", run.Root);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "unknown architecture 'sm_75'");
        (code, _, err) = Run("--ptxas", run.PathOf("no-such-ptxas"), "--out", run.Root);
        Assert.AreEqual(2, code);
        StringAssert.Contains(err, "does not exist");
        Assert.IsEmpty(CliRun.FilesIn(run.Root));
    }
}
