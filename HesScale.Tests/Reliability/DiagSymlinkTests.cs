using HesScale.Tests.Cli;
using HesScale.Tests.Golden;

namespace HesScale.Tests.Reliability;

/// <summary>
/// Issue 14, item 1: <c>diag</c> must never write over its input cases, however the paths are
/// spelled: --out a symlink to the case folder, the cases reached through a symlinked folder, or
/// a single case whose output lands on itself through a link.
/// </summary>
[TestClass]
public sealed class DiagSymlinkTests
{
    private static readonly string[] Names = ["case-001", "case-006"];

    /// <summary>Copies two golden cases into run/cases and links run/link to it; returns (cases, link).</summary>
    private static (string Cases, string Link) CasesAndLink(CliRun run)
    {
        string cases = run.PathOf("cases");
        Directory.CreateDirectory(cases);
        foreach (var name in Names) File.Copy(GoldenData.CasePath(name), Path.Combine(cases, name + ".json"));
        string link = run.PathOf("link");
        Directory.CreateSymbolicLink(link, cases);
        return (cases, link);
    }

    private static void AssertCasesUntouched(string cases)
    {
        foreach (var name in Names)
            CollectionAssert.AreEqual(File.ReadAllBytes(GoldenData.CasePath(name)), File.ReadAllBytes(Path.Combine(cases, name + ".json")), $"{name} was overwritten");
        CollectionAssert.AreEqual(Names.Select(n => n + ".json").ToArray(), CliRun.FilesIn(cases), "nothing else written there");
    }

    [TestMethod]
    [DataRow(false, DisplayName = "--out is a symlink to the case folder")]
    [DataRow(true, DisplayName = "--case is a symlink to the folder --out names")]
    public void Folder_reached_through_a_symlink_is_refused(bool caseThroughLink)
    {
        using var run = new CliRun();
        var (cases, link) = CasesAndLink(run);
        int code = caseThroughLink
            ? run.Diag("--case", link, "--methods", "gradient", "--out", cases, "--device", "cpu")
            : run.Diag("--case", cases, "--methods", "gradient", "--out", link, "--device", "cpu");
        Assert.AreEqual(2, code, run.Stdout + run.Stderr);
        Assert.Contains("would overwrite the cases", run.Stderr);
        AssertCasesUntouched(cases);
    }

    [TestMethod]
    public void Single_case_written_onto_itself_through_a_symlinked_folder_is_refused()
    {
        using var run = new CliRun();
        var (cases, link) = CasesAndLink(run);
        int code = run.Diag("--case", Path.Combine(cases, "case-006.json"), "--methods", "gradient", "--out", link, "--device", "cpu");
        Assert.AreEqual(2, code, run.Stdout + run.Stderr);
        Assert.Contains("would overwrite it", run.Stderr);
        // And through a link to the file itself.
        string fileLink = run.PathOf("case-link.json");
        File.CreateSymbolicLink(fileLink, Path.Combine(cases, "case-006.json"));
        Assert.AreEqual(2, run.Diag("--case", fileLink, "--methods", "gradient", "--out", Path.Combine(cases, "case-006.json"), "--device", "cpu"));
        AssertCasesUntouched(cases);
    }

    [TestMethod]
    public void A_different_folder_behind_a_symlink_is_still_written()
    {
        using var run = new CliRun();
        var (_, link) = CasesAndLink(run);
        string outDir = run.PathOf("out");
        Directory.CreateDirectory(outDir);
        string outLink = run.PathOf("out-link");
        Directory.CreateSymbolicLink(outLink, outDir);
        Assert.AreEqual(0, run.Diag("--case", link, "--methods", "gradient", "--out", outLink, "--device", "cpu"), run.Stderr);
        CollectionAssert.AreEqual(Names.Select(n => n + ".json").ToArray(), CliRun.FilesIn(outDir));
    }
}
