using HesScale.Bench.Commands;
using HesScale.Bench.Sweeps;

namespace HesScale.Tests.Sweeps;

/// <summary>
/// Sharded sweeps in-process: N shards merged give the single process's rows; a re-run shard keeps its finished
/// cells; merge refuses missing, duplicated and foreign cells with one line naming them.
/// </summary>
[TestClass]
public sealed class ShardedSweepTests
{
    // 2 optimizers x 2 rates x 2 seeds = 8 runs of 500 CartPole steps: a few seconds in all.
    private static readonly string[] RlSweep = ["--env", "cartpole", "--algo", "a2c", "--optimizers", "adam,scaled_adam", "--lr-min", "1e-3", "--lr-max", "1e-2",
        "--lr-count", "2", "--seeds", "2", "--steps", "500", "--hidden", "8", "--parallel", "2"];

    private static (int Code, string Out, string Err) Run(Func<string[], TextWriter, TextWriter, int> command, params string[] args)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        int code = command(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string NewFolder() => Directory.CreateTempSubdirectory("hesscale-sweep-").FullName;

    /// <summary>The CSV's lines without the columns named in <paramref name="timing"/> (wall time differs from run to run).</summary>
    private static string[] Rows(string path, params string[] timing)
    {
        var lines = File.ReadAllLines(path);
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(i => !timing.Contains(header[i])).ToArray();
        foreach (string column in timing) Assert.Contains(column, header, $"{path} has no column {column}");
        return lines.Select(l => string.Join(',', keep.Select(i => l.Split(',')[i]))).ToArray();
    }

    private static void RunShards(Func<string[], TextWriter, TextWriter, int> command, string[] args, int shards, string folder)
    {
        for (int k = 0; k < shards; k++)
        {
            var (code, stdout, stderr) = Run(command, [.. args, "--shard", $"{k}/{shards}", "--out", folder]);
            Assert.AreEqual(0, code, stderr);
            StringAssert.Contains(stdout, $"shard {k}/{shards}:");
        }
        Assert.IsFalse(Directory.EnumerateFiles(folder, "*.png").Any(), "a shard writes only its shard file");
    }

    [TestMethod]
    public void RlSweep_OneProcess_EqualsThreeShardsMerged()
    {
        string root = NewFolder();
        try
        {
            string single = Path.Combine(root, "single"), sharded = Path.Combine(root, "sharded");
            var (code, _, stderr) = Run(RlSweepCommand.Run, [.. RlSweep, "--out", single]);
            Assert.AreEqual(0, code, stderr);
            RunShards(RlSweepCommand.Run, RlSweep, 3, sharded);
            Assert.HasCount(3, Directory.GetFiles(sharded, "shard-*-of-3.csv"));

            var (mergeCode, mergeOut, mergeErr) = Run(MergeCommand.Run, sharded);
            Assert.AreEqual(0, mergeCode, mergeErr);
            StringAssert.Contains(mergeOut, "all 8 cells present once");
            var expected = Rows(Path.Combine(single, "rl_sweep.csv"), "wall_s");
            Assert.HasCount(9, expected);
            CollectionAssert.AreEqual(expected, Rows(Path.Combine(sharded, "rl_sweep.csv"), "wall_s"));
            CollectionAssert.AreEqual(File.ReadAllLines(Path.Combine(single, "rl_sweep_summary.csv")), File.ReadAllLines(Path.Combine(sharded, "rl_sweep_summary.csv")));
            Assert.IsTrue(File.Exists(Path.Combine(sharded, "rl_sweep.png")));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [TestMethod]
    public void RlSweep_TwoEnvironments_CellsAreDistinctAndMergeEqualsOneProcess()
    {
        string root = NewFolder();
        try
        {
            // Same optimizer, rate and seed on two environments: two cells, never one name twice.
            string[] args = ["--env", "cartpole,acrobot", "--algo", "a2c", "--optimizers", "adam", "--lrs", "1e-3", "--seeds", "1", "--steps", "300", "--hidden", "8", "--parallel", "1"];
            string single = Path.Combine(root, "single"), sharded = Path.Combine(root, "sharded");
            var (code, _, stderr) = Run(RlSweepCommand.Run, [.. args, "--out", single]);
            Assert.AreEqual(0, code, stderr);
            RunShards(RlSweepCommand.Run, args, 2, sharded);
            var (mergeCode, mergeOut, mergeErr) = Run(MergeCommand.Run, sharded);
            Assert.AreEqual(0, mergeCode, mergeErr);
            StringAssert.Contains(mergeOut, "all 2 cells present once");
            var expected = Rows(Path.Combine(single, "rl_sweep.csv"), "wall_s");
            Assert.HasCount(3, expected);
            CollectionAssert.AreEqual(expected, Rows(Path.Combine(sharded, "rl_sweep.csv"), "wall_s"));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [TestMethod]
    public void Train_OneProcess_EqualsTwoShardsMerged()
    {
        string root = NewFolder();
        try
        {
            string[] args = ["--optimizers", "sgd,adahesscale", "--lrs", "0.003,0.03", "--seeds", "1", "--epochs", "2", "--hidden", "9", "--device", "cpu", "--threads", "1"];
            string single = Path.Combine(root, "single"), sharded = Path.Combine(root, "sharded");
            var (code, _, stderr) = Run(TrainCommand.Run, [.. args, "--out", single]);
            Assert.AreEqual(0, code, stderr);
            RunShards(TrainCommand.Run, args, 2, sharded);
            var (mergeCode, _, mergeErr) = Run(MergeCommand.Run, sharded);
            Assert.AreEqual(0, mergeCode, mergeErr);
            var expected = Rows(Path.Combine(single, "train.csv"), "seconds");
            Assert.HasCount(1 + 4 * 2, expected);
            CollectionAssert.AreEqual(expected, Rows(Path.Combine(sharded, "train.csv"), "seconds"));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [TestMethod]
    public void Train_DivergedRun_SurvivesShardAndMerge()
    {
        string root = NewFolder();
        try
        {
            // SGD at 3e38 overflows in its first epoch (issue 14: recorded as diverged, the other run kept).
            string[] args = ["--optimizers", "sgd", "--lrs", "0.05,3e38", "--epochs", "2", "--hidden", "7", "--device", "cpu", "--threads", "1"];
            string single = Path.Combine(root, "single"), sharded = Path.Combine(root, "sharded");
            var (code, _, stderr) = Run(TrainCommand.Run, [.. args, "--out", single]);
            Assert.AreEqual(0, code, stderr);
            RunShards(TrainCommand.Run, args, 2, sharded);
            var (mergeCode, mergeOut, mergeErr) = Run(MergeCommand.Run, sharded);
            Assert.AreEqual(0, mergeCode, mergeErr);
            StringAssert.Contains(mergeOut, "diverged runs: 1 of 2");
            var expected = Rows(Path.Combine(single, "train.csv"), "seconds");
            Assert.Contains("sgd,3E+38,0,1,NaN,NaN", expected);
            CollectionAssert.AreEqual(expected, Rows(Path.Combine(sharded, "train.csv"), "seconds"));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [TestMethod]
    public void Quality_OneProcess_EqualsTwoShardsMerged()
    {
        string root = NewFolder();
        try
        {
            string[] args = ["--seeds", "3", "--samples", "2", "--train-steps", "10", "--device", "cpu", "--threads", "1"];
            string single = Path.Combine(root, "single"), sharded = Path.Combine(root, "sharded");
            var (code, _, stderr) = Run(QualityCommand.Run, [.. args, "--out", single]);
            Assert.AreEqual(0, code, stderr);
            RunShards(QualityCommand.Run, args, 2, sharded);
            var (mergeCode, _, mergeErr) = Run(MergeCommand.Run, sharded);
            Assert.AreEqual(0, mergeCode, mergeErr);
            foreach (string csv in new[] { "quality.csv", "quality_normalized.csv" })
                CollectionAssert.AreEqual(File.ReadAllLines(Path.Combine(single, csv)), File.ReadAllLines(Path.Combine(sharded, csv)), csv);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [TestMethod]
    public void RerunShard_KeepsFinishedCells_AndRunsTheMissingOnes()
    {
        string root = NewFolder();
        try
        {
            var (code, _, stderr) = Run(RlSweepCommand.Run, [.. RlSweep, "--shard", "1/2", "--out", root]);
            Assert.AreEqual(0, code, stderr);
            string path = Path.Combine(root, "shard-1-of-2.csv");
            var lines = File.ReadAllLines(path).ToList();
            // As if the task was killed before cell 7 finished; cell 1's wall time marked, so a re-run that recomputed it would show.
            lines.RemoveAll(l => l.StartsWith("7,", StringComparison.Ordinal));
            int run1 = lines.FindIndex(l => l.StartsWith("1,run,", StringComparison.Ordinal));
            var fields = lines[run1].Split(',');
            fields[4] = "123456789";
            lines[run1] = string.Join(',', fields);
            File.WriteAllLines(path, lines);

            var (again, stdout, againErr) = Run(RlSweepCommand.Run, [.. RlSweep, "--shard", "1/2", "--out", root]);
            Assert.AreEqual(0, again, againErr);
            StringAssert.Contains(stdout, "(3 resumed from the file)");
            var after = File.ReadAllLines(path);
            Assert.Contains(lines[run1], after, "the finished cell was kept, not run again");
            Assert.IsTrue(after.Any(l => l.StartsWith("7,run,", StringComparison.Ordinal)), "the missing cell ran");
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [TestMethod]
    public void Merge_ListsMissingAndDuplicatedCells_AndRefusesMixedSweeps()
    {
        string root = NewFolder();
        try
        {
            string[] grid = ["--seeds", "3", "--samples", "1", "--train-steps", "0", "--device", "cpu", "--threads", "1"];
            RunShards(QualityCommand.Run, grid, 3, root);

            File.Move(Path.Combine(root, "shard-2-of-3.csv"), Path.Combine(root, "elsewhere.txt"));
            var (missing, _, missingErr) = Run(MergeCommand.Run, root);
            Assert.AreEqual(1, missing);
            StringAssert.Contains(missingErr, "1 missing cell: 2 (seed 2)");
            Assert.HasCount(1, missingErr.Trim().Split('\n'), missingErr);
            Assert.IsFalse(File.Exists(Path.Combine(root, "quality.csv")), "nothing is written when a cell is missing");

            File.Move(Path.Combine(root, "elsewhere.txt"), Path.Combine(root, "shard-2-of-3.csv"));
            File.Copy(Path.Combine(root, "shard-0-of-3.csv"), Path.Combine(root, "shard-3-of-9.csv"));
            var (duplicated, _, duplicatedErr) = Run(MergeCommand.Run, root);
            Assert.AreEqual(1, duplicated);
            StringAssert.Contains(duplicatedErr, "1 duplicated cell: 0 (seed 0) in shard-0-of-3.csv and shard-3-of-9.csv");
            File.Delete(Path.Combine(root, "shard-3-of-9.csv"));

            var (other, _, otherErr) = Run(QualityCommand.Run, ["--seeds", "2", "--samples", "1", "--train-steps", "0", "--device", "cpu", "--threads", "1", "--shard", "0/5", "--out", root]);
            Assert.AreEqual(0, other, otherErr);
            var (mixed, _, mixedErr) = Run(MergeCommand.Run, root);
            Assert.AreEqual(1, mixed);
            StringAssert.Contains(mixedErr, "mixes shards of 2 different sweeps");

            // A shard of another sweep never overwrites a file it does not own.
            string before = File.ReadAllText(Path.Combine(root, "shard-0-of-3.csv"));
            var (foreign, _, foreignErr) = Run(QualityCommand.Run, ["--seeds", "4", "--samples", "1", "--train-steps", "0", "--device", "cpu", "--shard", "0/3", "--out", root]);
            Assert.AreEqual(1, foreign);
            StringAssert.Contains(foreignErr, "not shard 0/3 of this sweep");
            Assert.AreEqual(before, File.ReadAllText(Path.Combine(root, "shard-0-of-3.csv")));
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [TestMethod]
    public void Merge_EmptyOrAbsentFolder_IsOneLineError()
    {
        string root = NewFolder();
        try
        {
            var (code, _, stderr) = Run(MergeCommand.Run, root);
            Assert.AreEqual(1, code);
            StringAssert.Contains(stderr, "holds no shard files");
            var (absent, _, absentErr) = Run(MergeCommand.Run, Path.Combine(root, "nope"));
            Assert.AreEqual(1, absent);
            StringAssert.StartsWith(absentErr, "hesscale merge: error: no folder");
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [TestMethod]
    public void Cost_MergedCsv_HoldsTheShardsMeasurements()
    {
        string root = NewFolder();
        try
        {
            string[] args = ["--configs", "rl-small,paper-cost-L1,rl-mid", "--methods", "gradient", "--reps", "1", "--seconds", "0.001", "--device", "cpu", "--threads", "1"];
            RunShards(CostCommand.Run, args, 2, root);
            // The times each shard measured, as stored (microseconds).
            var stored = Directory.GetFiles(root, "shard-*-of-2.csv").SelectMany(File.ReadAllLines)
                .Where(l => l.Contains(",method,gradient,", StringComparison.Ordinal))
                .ToDictionary(l => int.Parse(l[..l.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture),
                    l => double.Parse(l.Split(',')[3], System.Globalization.CultureInfo.InvariantCulture));
            Assert.HasCount(3, stored);
            var (code, _, stderr) = Run(MergeCommand.Run, root);
            Assert.AreEqual(0, code, stderr);
            var rows = File.ReadAllLines(Path.Combine(root, "cost.csv"));
            Assert.HasCount(4, rows);
            string[] configs = ["rl-small", "paper-cost-L1", "rl-mid"];
            for (int cell = 0; cell < 3; cell++)
            {
                var c = rows[1 + cell].Split(',');
                Assert.AreEqual(configs[cell], c[^5]);
                Assert.AreEqual((stored[cell] / 1000).ToString("G6", System.Globalization.CultureInfo.InvariantCulture), c[^1], "merge reuses the measurement, it does not time again");
            }
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [TestMethod]
    public void CostCell_RoundTripsExactly_AndRejectsAnotherMethodList()
    {
        string[] methods = ["gradient", "hesscale"];
        var cell = new CostCell("cpu: native, 1 thread", [0.1 + 0.2, 1e-300], [0, 7], [0, 2], (1.0 / 3, double.Epsilon));
        var rows = CostSweepCells.Rows(cell, methods);
        var back = CostSweepCells.Parse("rl-small", methods, rows);
        Assert.AreEqual(cell.Device, back.Device);
        CollectionAssert.AreEqual(cell.MedianUs, back.MedianUs);
        CollectionAssert.AreEqual(cell.Launches, back.Launches);
        CollectionAssert.AreEqual(cell.Syncs, back.Syncs);
        Assert.AreEqual(cell.Floor, back.Floor);
        Assert.ThrowsExactly<SweepFormatException>(() => CostSweepCells.Parse("rl-small", ["gradient", "bl89"], rows));
    }

    [TestMethod]
    public void Shard_OwnsEveryCellOnce_AndFallsBackToSlurmArrayVariables()
    {
        for (int n = 1; n <= 4; n++)
        {
            var owners = Enumerable.Range(0, 11).Select(cell => Enumerable.Range(0, n).Count(k => new Shard(k, n).Owns(cell))).ToArray();
            Assert.IsTrue(owners.All(c => c == 1), $"N={n}");
        }
        Assert.AreEqual(new Shard(2, 5), Shard.Parse("2/5", "x"));
        Assert.ThrowsExactly<UsageException>(() => Shard.Parse("5/5", "x"));
        Assert.ThrowsExactly<UsageException>(() => Shard.Parse("1", "x"));

        var env = new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "7", ["SLURM_ARRAY_TASK_COUNT"] = "4", ["SLURM_ARRAY_TASK_MIN"] = "5" };
        Assert.AreEqual(new Shard(2, 4), Shard.Resolve(null, "x", env.GetValueOrDefault));
        Assert.AreEqual(new Shard(0, 2), Shard.Resolve("0/2", "x", env.GetValueOrDefault), "--shard wins over Slurm");
        Assert.IsNull(Shard.Resolve(null, "x", _ => null));
        env["SLURM_ARRAY_TASK_ID"] = "9";
        Assert.ThrowsExactly<UsageException>(() => Shard.Resolve(null, "x", env.GetValueOrDefault));
    }
}
