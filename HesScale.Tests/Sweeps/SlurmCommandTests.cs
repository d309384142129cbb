using HesScale.Bench.Commands;
using HesScale.Bench.Sweeps;

namespace HesScale.Tests.Sweeps;

/// <summary><c>hesscale slurm</c>: the job array, the afterok merge job and the submit script it writes, and its refusals.</summary>
[TestClass]
public sealed class SlurmCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        int code = SlurmCommand.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [TestMethod]
    public void ThreadsAboveThisMachinesCores_AreForTheComputeNodes_NotRefusedHere()
    {
        // The login node (and a merge job pinned to one core) may have fewer cores than the tasks get.
        string root = Directory.CreateTempSubdirectory("hesscale-slurm-").FullName;
        try
        {
            string binary = Path.Combine(root, "hesscale");
            File.WriteAllText(binary, "");
            string many = (Environment.ProcessorCount + 30).ToString(System.Globalization.CultureInfo.InvariantCulture);
            string[] args = ["rl-sweep", "--env", "cartpole", "--seeds", "1", "--threads", many, "--out", Path.Combine(root, "sweep"), "--shards", "2",
                "--time", "00:10:00", "--cpus", many, "--binary", binary];
            var (code, _, stderr) = Run(args);
            Assert.AreEqual(0, code, stderr);
            int direct = RlSweepCommand.Run(["--env", "cartpole", "--threads", many, "--out", Path.Combine(root, "direct")], TextWriter.Null, TextWriter.Null);
            Assert.AreEqual(2, direct, "a sweep run here with more threads than cores is still a usage error");
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [TestMethod]
    public void WritesArrayMergeAndSubmitScripts_AndNeverOverwritesThem()
    {
        string root = Directory.CreateTempSubdirectory("hesscale-slurm-").FullName;
        try
        {
            string binary = Path.Combine(root, "hesscale");
            File.WriteAllText(binary, "");
            string outDir = Path.Combine(root, "sweep");
            string[] args = ["rl-sweep", "--env", "cartpole", "--seeds", "2", "--out", outDir, "--shards", "4", "--array-parallel", "2",
                "--time", "01:30:00", "--cpus", "3", "--binary", binary, "--partition", "cpu"];
            var (code, stdout, stderr) = Run(args);
            Assert.AreEqual(0, code, stderr);
            StringAssert.Contains(stdout, "rl-sweep, 72 cells in 4 shards of 18-18 cells"); // 4 optimizers x 9 official step sizes x 2 seeds
            StringAssert.Contains(stdout, "4 array tasks (2 at once, 3 CPUs, 01:30:00 each)");
            string scripts = Path.Combine(outDir, "slurm");
            string array = File.ReadAllText(Path.Combine(scripts, SlurmScripts.ArrayScript));
            StringAssert.Contains(array, "#SBATCH --array=0-3%2\n");
            StringAssert.Contains(array, "#SBATCH --cpus-per-task=3\n");
            StringAssert.Contains(array, "#SBATCH --time=01:30:00\n");
            StringAssert.Contains(array, "#SBATCH --requeue\n");
            StringAssert.Contains(array, "#SBATCH --partition=cpu\n");
            StringAssert.Contains(array, $"exec '{binary}' 'rl-sweep' '--env' 'cartpole' '--seeds' '2' '--parallel' '3' --out '{outDir}'\n");
            string merge = File.ReadAllText(Path.Combine(scripts, SlurmScripts.MergeScript));
            StringAssert.Contains(merge, $"exec '{binary}' merge '{outDir}'\n");
            StringAssert.Contains(merge, "#SBATCH --kill-on-invalid-dep=yes\n");
            // Tasks and merge run where hesscale slurm ran, so relative paths in the options keep their meaning.
            foreach (string script in new[] { array, merge })
                StringAssert.Contains(script, $"#SBATCH --chdir={Directory.GetCurrentDirectory()}\n");
            string submit = File.ReadAllText(Path.Combine(scripts, SlurmScripts.SubmitScript));
            StringAssert.Contains(submit, "--dependency=afterok:$array");
            if (!OperatingSystem.IsWindows())
                Assert.AreNotEqual(UnixFileMode.None, File.GetUnixFileMode(Path.Combine(scripts, SlurmScripts.SubmitScript)) & UnixFileMode.UserExecute);

            File.WriteAllText(Path.Combine(scripts, SlurmScripts.MergeScript), "mine");
            var (again, _, againErr) = Run(args);
            Assert.AreEqual(1, again);
            StringAssert.Contains(againErr, "exists");
            Assert.AreEqual("mine", File.ReadAllText(Path.Combine(scripts, SlurmScripts.MergeScript)));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [TestMethod]
    public void ChecksTheSweepsOptions_AndDefaultsToOneShardPerCell()
    {
        string root = Directory.CreateTempSubdirectory("hesscale-slurm-").FullName;
        try
        {
            string binary = Path.Combine(root, "hesscale");
            File.WriteAllText(binary, "");
            string[] common = ["--out", Path.Combine(root, "sweep"), "--time", "10:00", "--cpus", "1", "--binary", binary];
            var (bad, _, badErr) = Run(["quality", "--seeds", "3", "--activation", "gelu", .. common]);
            Assert.AreEqual(2, bad, badErr);
            StringAssert.Contains(badErr, "the quality options do not make a sweep");
            StringAssert.Contains(badErr, "gelu");
            var (tooMany, _, tooManyErr) = Run(["quality", "--seeds", "3", "--shards", "4", .. common]);
            Assert.AreEqual(2, tooMany, tooManyErr);
            StringAssert.Contains(tooManyErr, "4 shards for 3 cells");
            Assert.IsFalse(Directory.Exists(Path.Combine(root, "sweep", "slurm")), "no script for a refused command line");

            var (code, stdout, stderr) = Run(["cost", "--configs", "rl-small,rl-mid", .. common]);
            Assert.AreEqual(0, code, stderr);
            StringAssert.Contains(stdout, "cost, 2 cells in 2 shards");
            StringAssert.Contains(File.ReadAllText(Path.Combine(root, "sweep", "slurm", SlurmScripts.ArrayScript)), "#SBATCH --array=0-1%2\n");
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [TestMethod]
    [DataRow("rl", "--time", "01:00:00", "--cpus", "1", "--shards", "2", "not a sweep")]
    [DataRow("rl-sweep", "--time", "soon", "--cpus", "1", "--shards", "2", "Slurm time limit")]
    [DataRow("rl-sweep", "--time", "10:00", "--cpus", "0", "--shards", "2", "--cpus expects a positive integer")]
    [DataRow("rl-sweep", "--time", "10:00", "--cpus", "1", "--shard", "0/2", "leave out --shard")]
    public void BadCommandLine_IsUsageError(string command, string o1, string v1, string o2, string v2, string o3, string v3, string message)
    {
        var (code, _, stderr) = Run(command, o1, v1, o2, v2, o3, v3, "--out", Path.GetTempPath());
        Assert.AreEqual(2, code, stderr);
        StringAssert.Contains(stderr, message);
    }
}
