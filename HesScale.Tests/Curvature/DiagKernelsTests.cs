using System.Text.Json.Nodes;
using HesScale.Bench.Cases;
using HesScale.Tests.Cli;

namespace HesScale.Tests.Curvature;

/// <summary><c>hesscale diag</c> takes exact and ggn from the kernels: no parameter limit there.</summary>
[TestClass]
public sealed class DiagKernelsTests
{
    [TestMethod]
    public void Exact_from_kernels_has_no_reference_limit()
    {
        using var run = new CliRun();
        // One Linear(100, 61) layer with bias: 6161 parameters (the reference refuses more than 5000).
        var rng = new Random(5);
        JsonNode Num() => JsonValue.Create(rng.NextDouble() * 0.2 - 0.1);
        var node = new JsonObject
        {
            ["format"] = "hesscale-case/1",
            ["layers"] = new JsonArray(new JsonObject
            {
                ["type"] = "linear", ["in"] = 100, ["out"] = 61,
                ["weight"] = new JsonArray(Enumerable.Range(0, 61).Select(_ => (JsonNode)new JsonArray(Enumerable.Range(0, 100).Select(_ => Num()).ToArray())).ToArray()),
                ["bias"] = new JsonArray(Enumerable.Range(0, 61).Select(_ => Num()).ToArray()),
            }),
            ["loss"] = new JsonObject { ["type"] = "cross_entropy", ["reduction"] = "mean" },
            ["inputs"] = new JsonArray(Enumerable.Range(0, 3).Select(_ => (JsonNode)new JsonArray(Enumerable.Range(0, 100).Select(_ => Num()).ToArray())).ToArray()),
            ["targets"] = new JsonArray(3, 60, 0),
        };
        string path = run.PathOf("case-big.json");
        File.WriteAllText(path, node.ToJsonString());
        string output = run.PathOf("r.json");
        Assert.AreEqual(0, run.Diag("--case", path, "--methods", "hesscale,exact,ggn", "--out", output, "--device", "cpu"), run.Stderr);
        // For a single Linear layer, HesScale, the GGN and the exact diagonal coincide (method.md).
        foreach (var p in ExpectedFile.Load(output).Parameters)
        {
            var hesscale = p.Get("hesscale")!;
            Golden.GoldenData.AssertClose(hesscale, p.Get("exact")!.Select(v => (float)v).ToArray(), 1e-4, $"{p.Name} exact");
            Golden.GoldenData.AssertClose(hesscale, p.Get("ggn")!.Select(v => (float)v).ToArray(), 1e-4, $"{p.Name} ggn");
        }
    }

    [TestMethod]
    public void Exact_from_reference_and_from_kernels_agree()
    {
        using var run = new CliRun();
        string kernels = run.PathOf("kernels.json"), reference = run.PathOf("reference.json");
        string golden = Golden.GoldenData.CasePath("case-003");
        Assert.AreEqual(0, run.Diag("--case", golden, "--methods", "exact,ggn", "--out", kernels, "--device", "cpu"), run.Stderr);
        Assert.AreEqual(0, run.Diag("--case", golden, "--methods", "exact,ggn", "--out", reference, "--device", "cpu", "--exact-from", "reference"), run.Stderr);
        var fromKernels = ExpectedFile.Load(kernels).Parameters;
        var fromReference = ExpectedFile.Load(reference).Parameters;
        Assert.HasCount(fromReference.Count, fromKernels);
        for (int i = 0; i < fromKernels.Count; i++)
        {
            foreach (var method in new[] { "exact", "ggn" })
                Golden.GoldenData.AssertClose(fromReference[i].Get(method)!, fromKernels[i].Get(method)!.Select(v => (float)v).ToArray(), 1e-4, $"tensor {i} {method}");
        }
        Assert.AreEqual(2, run.Diag("--case", golden, "--methods", "exact", "--out", kernels, "--exact-from", "gpu"));
        Assert.Contains("--exact-from", run.Stderr);
    }
}
