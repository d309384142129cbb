using System.Text.Json.Nodes;
using HesScale.Tests.Golden;

namespace HesScale.Tests.Cli;

/// <summary>
/// Every kind of bad input makes <c>hesscale diag</c> exit non-zero with one message naming the
/// file and the JSON field, and leaves no output (and no temporary) file behind.
/// </summary>
[TestClass]
public sealed class CaseErrorTests
{
    private const string Methods = "gradient,hesscale";

    /// <summary>Writes a golden case, changed by <paramref name="edit"/>, as <paramref name="fileName"/> in the run's folder.</summary>
    private static string WriteEdited(CliRun run, string golden, Action<JsonNode> edit, string fileName = "case-bad.json", Func<string, string>? rawEdit = null)
    {
        var node = JsonNode.Parse(File.ReadAllText(GoldenData.CasePath(golden)))!;
        edit(node);
        string text = node.ToJsonString();
        if (rawEdit is not null) text = rawEdit(text);
        string path = run.PathOf(fileName);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Runs diag on <paramref name="casePath"/> into an "out" folder and checks the failure.</summary>
    private static void AssertFails(CliRun run, string casePath, params string[] messageParts)
    {
        string outDir = run.PathOf("out");
        Directory.CreateDirectory(outDir);
        int code = run.Diag("--case", casePath, "--methods", Methods, "--out", Path.Combine(outDir, "result.json"), "--device", "cpu");
        AssertFailure(run, code, outDir, messageParts);
    }

    private static void AssertFailure(CliRun run, int code, string outDir, params string[] messageParts)
    {
        Assert.AreNotEqual(0, code, $"exit code; stdout: {run.Stdout}");
        foreach (var part in messageParts) Assert.Contains(part, run.Stderr);
        Assert.IsFalse(run.Stderr.Contains("   at ", StringComparison.Ordinal), "no stack trace: " + run.Stderr);
        Assert.IsEmpty(CliRun.FilesIn(outDir), "no output or temporary files may remain");
    }

    [TestMethod]
    public void Bad_json()
    {
        using var run = new CliRun();
        string path = run.PathOf("case-bad.json");
        File.WriteAllText(path, "{\"format\": \"hesscale-case/1\", \"layers\": [");
        AssertFails(run, path, "case-bad.json", "not valid JSON");
    }

    [TestMethod]
    public void Unknown_layer_type()
    {
        using var run = new CliRun();
        string path = WriteEdited(run, "case-006", n => n["layers"]![1]!["type"] = "swish");
        AssertFails(run, path, "case-bad.json", "layers[1].type", "swish");
    }

    [TestMethod]
    public void Unknown_loss_type_and_reduction()
    {
        using var run = new CliRun();
        string path = WriteEdited(run, "case-006", n => n["loss"]!["type"] = "hinge");
        AssertFails(run, path, "case-bad.json", "loss.type", "hinge");

        path = WriteEdited(run, "case-006", n => n["loss"]!["reduction"] = "max");
        AssertFails(run, path, "case-bad.json", "loss.reduction", "max");
    }

    [TestMethod]
    public void Weight_row_count_mismatch()
    {
        using var run = new CliRun();
        // case-006: Linear(5, 5) -> Tanh -> Linear(5, 2)
        string path = WriteEdited(run, "case-006", n => n["layers"]![2]!["weight"]!.AsArray().RemoveAt(1));
        AssertFails(run, path, "case-bad.json", "layers[2].weight", "expected 2 rows", "got 1");
    }

    [TestMethod]
    public void Weight_row_length_mismatch()
    {
        using var run = new CliRun();
        string path = WriteEdited(run, "case-006", n => n["layers"]![0]!["weight"]![3]!.AsArray().RemoveAt(0));
        AssertFails(run, path, "case-bad.json", "layers[0].weight[3]", "expected 5 numbers, got 4");
    }

    [TestMethod]
    public void Bias_length_mismatch()
    {
        using var run = new CliRun();
        string path = WriteEdited(run, "case-006", n => n["layers"]![2]!["bias"]!.AsArray().Add(0.5));
        AssertFails(run, path, "case-bad.json", "layers[2].bias", "expected 2 numbers, got 3");
    }

    [TestMethod]
    public void Input_width_mismatch()
    {
        using var run = new CliRun();
        string path = WriteEdited(run, "case-006", n => n["inputs"]![1]!.AsArray().Add(1.0));
        AssertFails(run, path, "case-bad.json", "inputs[1]", "expected 5 numbers, got 6");
    }

    [TestMethod]
    public void Layer_widths_do_not_chain()
    {
        using var run = new CliRun();
        string path = WriteEdited(run, "case-006", n => n["layers"]![2]!["in"] = 4);
        AssertFails(run, path, "case-bad.json", "layers[2].in");
    }

    [TestMethod]
    public void Class_target_out_of_range()
    {
        using var run = new CliRun();
        string path = WriteEdited(run, "case-006", n => n["targets"]![2] = 2); // two outputs: classes 0 and 1
        AssertFails(run, path, "case-bad.json", "targets[2]", "outside [0, 2)");
    }

    [TestMethod]
    public void Class_target_not_an_integer()
    {
        using var run = new CliRun();
        string path = WriteEdited(run, "case-006", n => n["targets"]![0] = 0.5);
        AssertFails(run, path, "case-bad.json", "targets[0]", "integer");
    }

    [TestMethod]
    public void Mse_target_count_mismatch()
    {
        using var run = new CliRun();
        // case-003: MSE, 32 samples, 10 outputs
        string path = WriteEdited(run, "case-003", n => n["targets"]!.AsArray().RemoveAt(0));
        AssertFails(run, path, "case-bad.json", "targets", "expected 32 targets", "got 31");

        path = WriteEdited(run, "case-003", n => n["targets"]![4]!.AsArray().RemoveAt(0));
        AssertFails(run, path, "case-bad.json", "targets[4]", "expected 10 numbers, got 9");
    }

    [TestMethod]
    public void Number_overflowing_to_infinity()
    {
        using var run = new CliRun();
        // System.Text.Json reads 1e999 as +Infinity; the parser must refuse it.
        string path = WriteEdited(run, "case-006", n => n["layers"]![0]!["weight"]![1]![2] = 123456.75,
            rawEdit: text => text.Replace("123456.75", "1e999", StringComparison.Ordinal));
        Assert.Contains("1e999", File.ReadAllText(path));
        AssertFails(run, path, "case-bad.json", "layers[0].weight[1][2]", "not finite");
    }

    [TestMethod]
    public void Number_written_as_string()
    {
        using var run = new CliRun();
        string path = WriteEdited(run, "case-006", n => n["inputs"]![0]![0] = "NaN");
        AssertFails(run, path, "case-bad.json", "inputs[0][0]", "expected a number");
    }

    [TestMethod]
    public void Missing_and_unknown_fields()
    {
        using var run = new CliRun();
        string path = WriteEdited(run, "case-006", n => n.AsObject().Remove("targets"));
        AssertFails(run, path, "case-bad.json", "targets", "missing");

        path = WriteEdited(run, "case-006", n => n["layers"]![0]!["bais"] = new JsonArray(1, 2));
        AssertFails(run, path, "case-bad.json", "layers[0].bais", "unknown field");
    }

    [TestMethod]
    public void One_bad_case_in_a_folder_fails_the_whole_run_before_anything_is_written()
    {
        using var run = new CliRun();
        string cases = run.PathOf("cases");
        Directory.CreateDirectory(cases);
        foreach (var name in new[] { "case-000", "case-006" }) File.Copy(GoldenData.CasePath(name), Path.Combine(cases, name + ".json"));
        var node = JsonNode.Parse(File.ReadAllText(GoldenData.CasePath("case-006")))!;
        node["targets"]![0] = 9;
        File.WriteAllText(Path.Combine(cases, "case-009.json"), node.ToJsonString());

        string outDir = run.PathOf("out");
        int code = run.Diag("--case", cases, "--methods", Methods, "--out", outDir, "--device", "cpu");
        AssertFailure(run, code, outDir, "case-009.json", "targets[0]");
    }

    [TestMethod]
    public void Unknown_method()
    {
        using var run = new CliRun();
        string outDir = run.PathOf("out");
        int code = run.Diag("--case", GoldenData.CasePath("case-006"), "--methods", "gradient,hessian", "--out", Path.Combine(outDir, "r.json"), "--device", "cpu");
        AssertFailure(run, code, outDir, "hessian", "--methods");
    }

    [TestMethod]
    public void Missing_case_option()
    {
        using var run = new CliRun();
        string outDir = run.PathOf("out");
        int code = run.Diag("--methods", Methods, "--out", Path.Combine(outDir, "r.json"));
        AssertFailure(run, code, outDir, "--case");
    }

    [TestMethod]
    public void Case_file_not_found()
    {
        using var run = new CliRun();
        string outDir = run.PathOf("out");
        int code = run.Diag("--case", run.PathOf("case-404.json"), "--methods", Methods, "--out", Path.Combine(outDir, "r.json"), "--device", "cpu");
        AssertFailure(run, code, outDir, "case-404.json");
    }

    [TestMethod]
    public void Out_is_a_file_when_case_is_a_folder()
    {
        using var run = new CliRun();
        string outFile = run.PathOf("out.json");
        File.WriteAllText(outFile, "keep me");
        int code = run.Diag("--case", GoldenData.Directory, "--methods", Methods, "--out", outFile, "--device", "cpu");

        Assert.AreNotEqual(0, code);
        Assert.Contains("--out", run.Stderr);
        Assert.Contains("out.json", run.Stderr);
        Assert.AreEqual("keep me", File.ReadAllText(outFile), "the existing file is untouched");
        CollectionAssert.AreEqual(new[] { "out.json" }, CliRun.FilesIn(run.Root), "nothing else written");
    }

    [TestMethod]
    public void Exact_refused_above_the_parameter_limit()
    {
        using var run = new CliRun();
        // Linear(100, 60) with bias: 6060 parameters > ReferenceNetwork.MaxExactParameters.
        var weight = new JsonArray();
        for (int o = 0; o < 60; o++) weight.Add(new JsonArray(Enumerable.Repeat(0.01, 100).Select(v => (JsonNode)v).ToArray()));
        var node = new JsonObject
        {
            ["format"] = "hesscale-case/1",
            ["layers"] = new JsonArray(new JsonObject { ["type"] = "linear", ["in"] = 100, ["out"] = 60, ["weight"] = weight, ["bias"] = new JsonArray(Enumerable.Repeat(0.0, 60).Select(v => (JsonNode)v).ToArray()) }),
            ["loss"] = new JsonObject { ["type"] = "cross_entropy", ["reduction"] = "mean" },
            ["inputs"] = new JsonArray(new JsonArray(Enumerable.Repeat(1.0, 100).Select(v => (JsonNode)v).ToArray())),
            ["targets"] = new JsonArray(3),
        };
        string path = run.PathOf("case-big.json");
        File.WriteAllText(path, node.ToJsonString());
        string outDir = run.PathOf("out");
        Directory.CreateDirectory(outDir);
        int code = run.Diag("--case", path, "--methods", "gradient,exact", "--out", Path.Combine(outDir, "r.json"), "--device", "cpu", "--exact-from", "reference");
        AssertFailure(run, code, outDir, "case-big.json", "6060", "5000");
    }

    [TestMethod]
    public void Device_not_present()
    {
        using var run = new CliRun();
        string outDir = run.PathOf("out");
        Directory.CreateDirectory(outDir);
        int code = run.Diag("--case", GoldenData.CasePath("case-006"), "--methods", Methods, "--out", Path.Combine(outDir, "r.json"), "--device", "cuda");
        if (code == 0)
        {
            Assert.Inconclusive("A CUDA device exists on this machine; the missing-device path cannot be tested here.");
        }
        AssertFailure(run, code, outDir, "cuda");
        // The engine's DeviceNotFoundException lists the devices it found; the CPU path is always there.
        Assert.Contains("cpu", run.Stderr.ToLowerInvariant());
    }
}
