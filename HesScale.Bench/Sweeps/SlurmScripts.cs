using System.Globalization;
using System.Text;

namespace HesScale.Bench.Sweeps;

/// <summary>
/// What <c>hesscale slurm</c> asks Slurm for: shards, array concurrency, per-task limits and the paths the tasks use.
/// <paramref name="WorkDir"/> is the folder the tasks run in (default: the folder <c>hesscale slurm</c> ran in), so
/// relative paths in the sweep's options (<c>--data mnist:data/mnist</c>) mean what they meant there.
/// </summary>
public sealed record SlurmJob(
    string Command, IReadOnlyList<string> CommandArguments, string OutDir, string Binary, string ScriptDir,
    int Shards, int ArrayParallel, string Time, int Cpus, string MergeTime, string? Memory = null, string? Partition = null, string? Account = null,
    string? WorkDir = null);

/// <summary>
/// The three files <c>hesscale slurm</c> writes: <c>sweep.sbatch</c> (a job array, task K runs shard K of N of the
/// sweep through the published binary; the binary takes its shard from SLURM_ARRAY_TASK_ID/COUNT), <c>merge.sbatch</c>
/// (<c>hesscale merge OUT</c>) and <c>submit.sh</c> (submits the array, then the merge with
/// <c>--dependency=afterok:ARRAY</c>; its arguments go to the merge's sbatch, e.g. <c>--wait</c>).
/// </summary>
public static class SlurmScripts
{
    public const string ArrayScript = "sweep.sbatch", MergeScript = "merge.sbatch", SubmitScript = "submit.sh";

    public static IReadOnlyList<(string Name, string Text)> Write(SlurmJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        string name = "hesscale-" + job.Command;
        var array = new StringBuilder();
        array.Append("#!/bin/bash\n");
        array.Append(Inv($"# {job.Command} as a Slurm job array: task K runs shard K/{job.Shards} of the sweep (the binary reads\n"));
        array.Append("# SLURM_ARRAY_TASK_ID/COUNT) into OUT/shard-K-of-N.csv; a requeued task skips the cells it finished.\n");
        array.Append("# Written by hesscale slurm; submit with submit.sh (it adds the merge job).\n");
        array.Append($"#SBATCH --job-name={name}\n");
        array.Append(Inv($"#SBATCH --array=0-{job.Shards - 1}%{job.ArrayParallel}\n"));
        array.Append("#SBATCH --ntasks=1\n");
        array.Append(Inv($"#SBATCH --cpus-per-task={job.Cpus}\n"));
        array.Append($"#SBATCH --time={job.Time}\n");
        array.Append("#SBATCH --requeue\n#SBATCH --open-mode=append\n");
        array.Append($"#SBATCH --output={Path.Combine(job.ScriptDir, "task-%a.log")}\n");
        AppendOptional(array, job);
        array.Append("set -eu\n");
        array.Append("exec ").Append(Quote(job.Binary)).Append(' ').Append(Quote(job.Command));
        foreach (string a in job.CommandArguments) array.Append(' ').Append(Quote(a));
        array.Append(" --out ").Append(Quote(job.OutDir)).Append('\n');

        var merge = new StringBuilder();
        merge.Append("#!/bin/bash\n");
        merge.Append("# Merges the shards of the job array into the sweep's CSVs, summary and figures (runs after every task succeeded).\n");
        merge.Append($"#SBATCH --job-name={name}-merge\n");
        merge.Append("#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n");
        merge.Append($"#SBATCH --time={job.MergeTime}\n");
        merge.Append("#SBATCH --kill-on-invalid-dep=yes\n");
        merge.Append($"#SBATCH --output={Path.Combine(job.ScriptDir, "merge.log")}\n");
        AppendOptional(merge, job);
        merge.Append("set -eu\n");
        merge.Append("exec ").Append(Quote(job.Binary)).Append(" merge ").Append(Quote(job.OutDir)).Append('\n');

        string submit =
            "#!/bin/bash\n" +
            "# Submits the job array, then the merge job, which starts only when every array task succeeded (afterok).\n" +
            "# Arguments go to the merge job's sbatch: 'bash submit.sh --wait' returns when the merge is done, with its exit status.\n" +
            "set -euo pipefail\n" +
            $"cd {Quote(job.ScriptDir)}\n" +
            $"array=$(sbatch --parsable {ArrayScript})\n" +
            "array=${array%%;*}\n" +
            Inv($"echo \"array job $array: {job.Shards} tasks, at most {job.ArrayParallel} at once; logs in {job.ScriptDir}\"\n") +
            "echo \"merge job: submitted with --dependency=afterok:$array\"\n" +
            $"sbatch --parsable --dependency=afterok:$array \"$@\" {MergeScript}\n";
        return [(ArrayScript, array.ToString()), (MergeScript, merge.ToString()), (SubmitScript, submit)];
    }

    private static void AppendOptional(StringBuilder text, SlurmJob job)
    {
        // Slurm starts a job where sbatch ran (submit.sh cds to the scripts' folder): run where hesscale slurm ran.
        text.Append($"#SBATCH --chdir={job.WorkDir ?? Directory.GetCurrentDirectory()}\n");
        if (job.Memory is not null) text.Append($"#SBATCH --mem={job.Memory}\n");
        if (job.Partition is not null) text.Append($"#SBATCH --partition={job.Partition}\n");
        if (job.Account is not null) text.Append($"#SBATCH --account={job.Account}\n");
    }

    /// <summary>One shell word: single-quoted, with embedded quotes closed and escaped.</summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
