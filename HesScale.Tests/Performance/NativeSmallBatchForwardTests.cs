using HesScale.Gpu.Native;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Performance;

/// <summary>
/// <see cref="Gemm.Forward"/>, the native forward x W^T + b at batch 1..3 (one row of W at a time
/// against 1..3 rows of x) and the 4-row tiles before such a remainder, against a double reference.
/// </summary>
[TestClass]
public sealed class NativeSmallBatchForwardTests
{
    [TestMethod]
    [DataRow(1, 512, 100, 0, 100, false)]   // paper-cost output layer: whole 4-vector steps
    [DataRow(1, 77, 13, 0, 13, true)]       // 4-vector steps, single vectors and a scalar tail
    [DataRow(2, 33, 5, 1, 4, true)]         // a column chunk [1, 4): the rest is left alone
    [DataRow(3, 7, 9, 0, 9, false)]         // narrower than one vector: scalar only
    [DataRow(3, 513, 3, 0, 3, true)]
    [DataRow(5, 41, 7, 2, 7, true)]         // one 4-row tile, then one row
    [DataRow(7, 64, 11, 0, 11, false)]      // one 4-row tile, then three rows
    [DataRow(1, 1, 1, 0, 1, true)]
    public void Matches_the_double_reference(int n, int inW, int outW, int o0, int o1, bool bias)
    {
        var rng = new Random(n * 1000 + inW * 10 + outW);
        float[] Rand(int len) => Enumerable.Range(0, len).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] x = Rand(n * inW), w = Rand(outW * inW);
        float[]? b = bias ? Rand(outW) : null;
        const float Stale = 999f;
        var y = Enumerable.Repeat(Stale, n * outW).ToArray();

        Gemm.Forward(x, w, b, y, n, inW, outW, o0, o1);

        var inside = new List<float>();
        var reference = new List<double>();
        for (int r = 0; r < n; r++)
        {
            for (int o = 0; o < outW; o++)
            {
                float got = y[r * outW + o];
                if (o < o0 || o >= o1)
                {
                    Assert.AreEqual(Stale, got, $"y[{r}, {o}] lies outside the chunk [{o0}, {o1}) and must be left alone");
                    continue;
                }
                double sum = b is null ? 0 : b[o];
                for (int i = 0; i < inW; i++) sum += (double)x[r * inW + i] * w[o * inW + i];
                inside.Add(got);
                reference.Add(sum);
            }
        }
        Assert.IsLessThanOrEqualTo(1e-5, Norms.RelativeError(inside.ToArray(), reference.ToArray(), 1e-12), $"y, n = {n}, in = {inW}, out = {outW}");
    }
}
