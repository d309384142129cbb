using System.Globalization;
using HesScale.Bench.Cases;
using HesScale.Gpu;
using HesScale.Gpu.Files;
using HesScale.Reference;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale diag --case FILE|DIR --methods LIST --out FILE|DIR [--device D] [--threads T]</c>:
/// computes gradients and Hessian-diagonal estimates for case files and writes them in the
/// expected-file shape. All cases are read and checked before anything is computed, everything
/// is computed before anything is written, and each output is written atomically; a failed run
/// leaves no output files (and no temporary files) behind.
/// </summary>
public static class DiagCommand
{
    /// <summary>
    /// Method names accepted by <c>--methods</c>, in output order: the gradient, the fused rows of the
    /// method table in channel order, then the other rows case files carry, by id (exact, ggn).
    /// </summary>
    public static readonly IReadOnlyList<string> MethodNames =
    [
        "gradient",
        .. CurvatureMethod.Fused.Where(m => m.InCaseFiles).Select(m => m.Id),
        .. CurvatureMethod.All.Where(m => m.InCaseFiles && !m.IsFused).Select(m => m.Id).Order(StringComparer.Ordinal),
    ];

    public const string Usage =
        "usage: hesscale diag --case FILE|DIR --methods LIST --out FILE|DIR [--exact-from F] [--device D] [--threads T]\n" +
        "  --case     a hesscale-case/1 file, or a folder: every case-*.json in it (not *.expected.json)\n" +
        "  --methods  comma-separated: gradient, hesscale, hesscale_gn, bl89 (engine, float32),\n" +
        "             exact, ggn (device kernels, float32), or all\n" +
        "  --exact-from  kernels (default) or reference: exact and ggn from the double reference (at most 5000 parameters)\n" +
        "  --out      output file (or folder, required when --case is a folder; created if missing)\n" +
        "  --device   auto, cuda, opencl, cpu, ilgpu-cpu, or a device name (default: $HESSCALE_DEVICE, else auto)\n" +
        "  --threads  CPU threads for the cpu devices (0 = all)";

    private const string Command = "diag";

    /// <summary>Runs the command; returns 0 on success, 1 on a failure, 2 on a wrong command line.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        CommandRunner.Run(Command, Usage, args, stdout, stderr, () => Execute(args, stdout));

    private static int Execute(string[] args, TextWriter stdout)
    {
        var options = CommandLine.Parse(args, Command, "case", "methods", "out", "device", "threads", "exact-from");
        string casePath = options.Required(Command, "case");
        var methods = ParseMethods(options.Required(Command, "methods"));
        string outPath = options.Required(Command, "out");
        int threads = options.Threads(Command);
        bool fromReference = (options.Get("exact-from") ?? "kernels") switch
        {
            "kernels" => false,
            "reference" => true,
            var other => throw new UsageException($"{Command}: --exact-from expects 'kernels' or 'reference', got '{other}'."),
        };

        // 1. Where the cases come from and where each result goes.
        var jobs = PlanOutputs(casePath, outPath);

        // 2. Read and check every case before computing anything.
        var cases = new List<HesScaleCase>(jobs.Count);
        foreach (var (input, _) in jobs)
        {
            var c = CaseFile.Load(input);
            if (fromReference && (methods.Contains("exact") || methods.Contains("ggn")) && c.Spec.ParameterCount > ReferenceNetwork.MaxExactParameters)
            {
                throw new InvalidOperationException(
                    $"{c.FileName}: the network has {c.Spec.ParameterCount} parameters; the exact and ggn diagonals are limited to " +
                    $"{ReferenceNetwork.MaxExactParameters} (ReferenceNetwork.MaxExactParameters). Leave out 'exact' and 'ggn', or compute them with --exact-from kernels.");
            }
            if (!fromReference || methods.Any(m => m is not ("exact" or "ggn"))) CaseFile.CheckSinglePrecision(c);
            cases.Add(c);
        }

        // 3. Compute everything.
        using var device = ComputeDevice.FromEnvironment(options.Get("device"), threads);
        stdout.WriteLine($"device: {device.Name}");
        var results = new List<CaseResult>(cases.Count);
        foreach (var c in cases)
        {
            CaseResult result;
            try
            {
                result = Compute(device, c, methods, fromReference);
            }
            catch (Exception e) when (CommandRunner.IsReportable(e) && e is not CaseFormatException)
            {
                // e.g. a loss that overflows: say which case it was.
                throw new InvalidOperationException($"{c.FileName}: {e.Message}", e);
            }
            results.Add(result);
            stdout.WriteLine($"{c.FileName}: loss {result.Loss.ToString("R", CultureInfo.InvariantCulture)}");
        }

        // 4. Write: all to temporary files first, then move them into place.
        if (jobs.Count > 1 || Directory.Exists(casePath)) Directory.CreateDirectory(outPath);
        WriteAll(results.Select(r => (Action<Stream>)r.WriteTo).ToList(), jobs.Select(j => j.Output).ToList());
        stdout.WriteLine(jobs.Count == 1 ? $"wrote {jobs[0].Output}" : $"wrote {jobs.Count} files to {outPath}");
        return 0;
    }

    private static List<string> ParseMethods(string list)
    {
        var methods = new List<string>();
        foreach (string raw in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string name = raw.ToLowerInvariant();
            if (name == "all")
            {
                methods.AddRange(MethodNames);
                continue;
            }
            if (!MethodNames.Contains(name))
                throw new UsageException($"unknown method '{raw}' in --methods (known: {string.Join(", ", MethodNames)}, all).");
            methods.Add(name);
        }
        if (methods.Count == 0) throw new UsageException("--methods is empty.");
        // Output order is fixed and duplicates collapse.
        return MethodNames.Where(methods.Contains).ToList();
    }

    /// <summary>
    /// Input and output paths for <c>--case FILE|DIR --out FILE|DIR</c> (every case-*.json of a folder but the
    /// *.expected.json); refuses any plan that would overwrite an input. Shared with <c>env-replay</c>.
    /// </summary>
    internal static List<(string Input, string Output)> PlanOutputs(string casePath, string outPath)
    {
        if (Directory.Exists(casePath))
        {
            if (File.Exists(outPath))
                throw new UsageException($"--case '{casePath}' is a folder, so --out must be a folder, but '{outPath}' is a file.");
            var inputs = Directory.GetFiles(casePath, "case-*.json")
                .Where(p => !p.EndsWith(".expected.json", StringComparison.OrdinalIgnoreCase))
                .OrderBy(p => Path.GetFileName(p), StringComparer.Ordinal)
                .ToList();
            if (inputs.Count == 0) throw new InvalidOperationException($"no case-*.json files in '{casePath}'.");
            var outputs = inputs.Select(p => Path.Combine(outPath, Path.GetFileName(p))).ToList();
            // Real paths, not strings: --out may be a symlink to the case folder, or the cases reached through one.
            if (RealPaths.Same(casePath, outPath) || inputs.Zip(outputs).Any(io => RealPaths.Same(io.First, io.Second)))
                throw new UsageException($"--out '{outPath}' is the case folder '{casePath}' (symbolic links resolved); the results would overwrite the cases.");
            return inputs.Zip(outputs).ToList();
        }
        if (!File.Exists(casePath)) throw new FileNotFoundException($"case file or folder '{casePath}' not found.", casePath);
        string target = Directory.Exists(outPath) ? Path.Combine(outPath, Path.GetFileName(casePath)) : outPath;
        if (RealPaths.Same(casePath, target))
            throw new UsageException($"--out '{outPath}' is the case file '{casePath}' (symbolic links resolved); the result would overwrite it.");
        string? folder = Path.GetDirectoryName(Path.GetFullPath(target));
        if (folder is not null && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"output folder '{folder}' does not exist.");
        return [(casePath, target)];
    }

    /// <summary>
    /// Computes the requested methods for one case. Engine methods come from one backward pass;
    /// exact and ggn from the curvature kernels, or from the double reference when <paramref name="fromReference"/>.
    /// </summary>
    internal static CaseResult Compute(ComputeDevice device, HesScaleCase c, IReadOnlyList<string> methods, bool fromReference = false)
    {
        var engineMethods = methods.Select(m => CurvatureMethod.TryParse(m, out var single) && single.IsFused ? single : null)
            .OfType<CurvatureMethod>().ToArray();
        bool needsExact = methods.Contains("exact") || methods.Contains("ggn");
        bool needsReference = fromReference && needsExact;
        bool needsEngine = methods.Contains("gradient") || engineMethods.Length > 0 || (needsExact && !fromReference);

        // A BackwardResult reads from the network's device buffers: keep the network alive until all is copied out.
        using var network = needsEngine ? new Network(device, c.Spec, c.ParametersAsFloat()) : null;
        BackwardResult? backward = network?.Backward(c.InputsAsFloat(), c.Batch, c.ToTargets(), c.Loss, engineMethods);

        double[][]? exact = null, ggn = null;
        float[][]? exactKernels = null, ggnKernels = null;
        if (needsExact && !fromReference)
        {
            // Copy the engine results first: the estimator's passes reuse the network's workspace.
            var saved = backward is null ? null : SaveEngineResults(c.Spec, backward, methods);
            using var estimator = new HesScale.Gpu.Curvature.CurvatureEstimator(network!);
            if (methods.Contains("exact")) exactKernels = Download(c.Spec, estimator.Estimate(c.InputsAsFloat(), c.Batch, c.ToTargets(), c.Loss, CurvatureMethod.Exact));
            if (methods.Contains("ggn")) ggnKernels = Download(c.Spec, estimator.Estimate(c.InputsAsFloat(), c.Batch, c.ToTargets(), c.Loss, CurvatureMethod.Ggn));
            return Assemble(c, device, methods, backward!.Loss, saved!, exactKernels, ggnKernels);
        }
        double referenceLoss = double.NaN;
        if (needsReference)
        {
            var reference = new ReferenceNetwork(c.Spec, c.Parameters);
            var targets = c.Classes is not null ? ReferenceTargets.FromClasses(c.Classes) : ReferenceTargets.FromValues(c.TargetValues!);
            if (methods.Contains("exact")) exact = reference.ExactDiagonal(c.Inputs, c.Batch, targets, c.Loss);
            if (methods.Contains("ggn")) ggn = reference.GgnDiagonal(c.Inputs, c.Batch, targets, c.Loss);
            if (backward is null) referenceLoss = reference.Loss(c.Inputs, c.Batch, targets, c.Loss);
        }

        var result = new CaseResult(c.Spec, backward is not null ? backward.Loss : referenceLoss, device.Name);
        for (int p = 0; p < c.Spec.Parameters.Count; p++)
        {
            foreach (var m in methods)
            {
                if (m == "gradient") result.Add(p, m, backward!.Gradient(p));
                else if (m == "exact") result.Add(p, m, exact![p]);
                else if (m == "ggn") result.Add(p, m, ggn![p]);
                else if (CurvatureMethod.TryParse(m, out var single) && single.IsFused) result.Add(p, m, backward!.Curvature(single, p));
            }
        }
        return result;
    }

    private static float[][] Download(NetworkSpec spec, BackwardResult e) =>
        spec.Parameters.Select(p => e.Diagonal(p.Index)).ToArray();

    /// <summary>Engine arrays (gradient and fused methods) per method name and parameter, copied to the host.</summary>
    private static Dictionary<string, float[][]> SaveEngineResults(NetworkSpec spec, BackwardResult backward, IReadOnlyList<string> methods)
    {
        var saved = new Dictionary<string, float[][]>();
        foreach (var m in methods)
        {
            if (m == "gradient") saved[m] = spec.Parameters.Select(p => backward.Gradient(p.Index)).ToArray();
            else if (CurvatureMethod.TryParse(m, out var single) && single.IsFused) saved[m] = spec.Parameters.Select(p => backward.Curvature(single, p.Index)).ToArray();
        }
        return saved;
    }

    private static CaseResult Assemble(HesScaleCase c, ComputeDevice device, IReadOnlyList<string> methods, float loss,
        Dictionary<string, float[][]> engine, float[][]? exact, float[][]? ggn)
    {
        var result = new CaseResult(c.Spec, loss, device.Name);
        for (int p = 0; p < c.Spec.Parameters.Count; p++)
        {
            foreach (var m in methods)
            {
                if (m == "exact") result.Add(p, m, exact![p]);
                else if (m == "ggn") result.Add(p, m, ggn![p]);
                else result.Add(p, m, engine[m][p]);
            }
        }
        return result;
    }

    /// <summary>Writes output i with writes[i]: all to temporary files first, then moved into place; a failure leaves none of them.</summary>
    internal static void WriteAll(IReadOnlyList<Action<Stream>> writes, IReadOnlyList<string> outputs)
    {
        foreach (var output in outputs) TemporaryFiles.DeleteStale(output); // left by a killed run
        var temps = new List<string>(outputs.Count);
        var moved = new List<string>(outputs.Count);
        try
        {
            for (int i = 0; i < outputs.Count; i++) temps.Add(AtomicFile.WriteTemporary(outputs[i], writes[i]));
            for (int i = 0; i < outputs.Count; i++)
            {
                File.Move(temps[i], outputs[i], overwrite: true);
                moved.Add(outputs[i]);
            }
        }
        catch
        {
            // Leave nothing of a failed run behind: neither temporary files nor some of its outputs.
            foreach (var t in temps) AtomicFile.TryDelete(t);
            foreach (var m in moved) AtomicFile.TryDelete(m);
            throw;
        }
    }
}
