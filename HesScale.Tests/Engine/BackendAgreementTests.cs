using System.Globalization;
using System.Reflection;
using HesScale.Gpu;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Layers;
using HesScale.Gpu.Native;

namespace HesScale.Tests.Engine;

/// <summary>
/// Every <see cref="Backend"/>, <see cref="LinearOps"/> and <see cref="ActivationOps"/> operation on the ILGPU simulator (plain, and with 4 x 4-thread groups
/// so the tiled Linear kernels run) and on the native path's other panel-tile family against the
/// native path on the same random inputs at odd shapes: llm.c's validate_result per kernel, the op, variant, shape and element named on failure.
/// </summary>
[TestClass]
public sealed class BackendAgreementTests
{
    // Batch 1 (the native fused sweep), below and above the native small-batch switch; widths that
    // are no multiple of 4, 8, 16 or 32, some wider than one SIMD register or tile.
    private static readonly OpShape[] Shapes = [new(1, 7, 5, 3), new(3, 13, 9, 2), new(6, 37, 19, 5)];

    private static ComputeDevice? _tiled, _otherTiles;

    private static ComputeDevice Tiled => _tiled ??= ComputeDevice.CreateSimulator(4, 4);

    private static ComputeDevice OtherTiles => _otherTiles ??= ComputeDevice.CreateNative(0, wideTiles: !Gemm.WideByDefault);

    [ClassCleanup]
    public static void Cleanup()
    {
        _tiled?.Dispose();
        _otherTiles?.Dispose();
    }

    public static IEnumerable<object[]> Rows => BackendOps.All().Select(op => new object[] { op.ToString() });

    [TestMethod]
    [DynamicData(nameof(Rows))]
    public void Simulator_and_native_agree(string row)
    {
        var op = BackendOps.All().Single(o => o.ToString() == row);
        foreach (var shape in Shapes)
        {
            var expected = Run(op, shape, Devices.Native.Backend);
            foreach (var (label, device) in new[] { ("simulator", Devices.Simulator), ("tiled simulator", Tiled), ("native, other tile family", OtherTiles) })
            {
                var actual = Run(op, shape, device.Backend);
                string failure = Validate(expected, actual, op.Tolerance);
                if (failure.Length > 0) Assert.Fail($"{op} at {shape} on the {label} ({device.Name}): {failure}");
            }
        }
    }

    [TestMethod]
    public void The_table_covers_every_backend_operation()
    {
        // Backend operations by their bare name, the layer ops classes' qualified ("LinearOps.Forward").
        var operations = Operations(typeof(Backend)).Where(name => !BackendOps.NotOperations.Contains(name))
            .Concat(Operations(typeof(LinearOps)).Select(BackendOps.Linear))
            .Concat(Operations(typeof(ActivationOps)).Select(BackendOps.Activation))
            .ToHashSet();
        var tested = BackendOps.All().Select(o => o.Operation).ToHashSet();
        Assert.IsGreaterThan(25, operations.Count, "reflection found the backend's and the layer ops' operations");
        var missing = operations.Except(tested).Order().ToList();
        Assert.IsEmpty(missing, $"Backend / layer ops operations without a row in BackendOps: {string.Join(", ", missing)}");
        var unknown = tested.Except(operations).Order().ToList();
        Assert.IsEmpty(unknown, $"BackendOps rows for no Backend / layer ops operation: {string.Join(", ", unknown)}");
    }

    private static IEnumerable<string> Operations(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => (m.IsAbstract || m.IsVirtual) && !m.IsSpecialName)
            .Select(m => m.Name);

    [TestMethod]
    public void Validation_fails_on_a_perturbed_element()
    {
        float[] good = [1f, -2f, 3f, 1e-9f];
        float[] bad = [1f, -2f, 3f * (1 + 1e-4f), 1e-9f];
        Assert.AreEqual("", Validate([("x", good)], [("x", good)], 1e-5));
        StringAssert.Contains(Validate([("x", good)], [("x", bad)], 1e-5), "x[2]");
        StringAssert.Contains(Validate([("x", good)], [("x", [1f, -2f, 3f])], 1e-5), "length");
        StringAssert.Contains(Validate([("x", good)], [("x", [1f, -2f, float.NaN, 1e-9f])], 1e-5), "x[2]");
    }

    private static List<(string Name, float[] Values)> Run(BackendOp op, OpShape shape, Backend backend)
    {
        using var harness = new BackendOpHarness(backend, seed: 17 + shape.N * 1000 + shape.In);
        op.Run(harness, shape);
        return harness.Results();
    }

    /// <summary>
    /// Empty when every output agrees: |actual - expected| within tolerance times max(|expected|,
    /// 1e-2 of the output's largest magnitude), the floor keeping cancellations near zero fair.
    /// </summary>
    private static string Validate(List<(string Name, float[] Values)> expected, List<(string Name, float[] Values)> actual, double tolerance)
    {
        for (int o = 0; o < expected.Count; o++)
        {
            var (name, e) = expected[o];
            var a = actual[o].Values;
            if (a.Length != e.Length) return $"{name}: length {a.Length}, expected {e.Length}";
            double floor = Math.Max(1e-2 * e.Max(v => Math.Abs((double)v)), 1e-30);
            for (int i = 0; i < e.Length; i++)
            {
                double error = Math.Abs((double)a[i] - e[i]) / Math.Max(Math.Abs((double)e[i]), floor);
                if (!(error <= tolerance))
                    return string.Create(CultureInfo.InvariantCulture, $"{name}[{i}] = {a[i]:R}, native {e[i]:R} (relative error {error:G3} > {tolerance:G3})");
            }
        }
        return "";
    }
}
