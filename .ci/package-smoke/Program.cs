// Uses HesScale.Gpu as a NuGet user does, on the native CPU device; exits 1 with a message on any
// failed check. Known-good properties, not stored numbers: the gradient is the loss's central
// difference, and at the last Linear layer HesScale is the exact Hessian diagonal (the MSE loss is
// quadratic in those weights, so the gradient's central difference gives it).
using HesScale.Gpu.Devices;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Model;
using HesScale.Gpu.Data;

const int n = 3, inputs = 4, hidden = 5, outputs = 2;
var spec = new NetworkSpec(LayerSpec.Linear(inputs, hidden), LayerSpec.Tanh(), LayerSpec.Linear(hidden, outputs));
var rng = new Random(7);
float[] x = Enumerable.Range(0, n * inputs).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
var targets = Targets.FromValues(Enumerable.Range(0, n * outputs).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray());
var loss = LossSpec.Mse();

using var device = ComputeDevice.Create("cpu", threads: 1);
float[][] parameters = spec.InitialParameters(seed: 3);

(float Loss, float[] Gradient, float[] HesScale) Pass(int tensor, int index, float delta)
{
    var p = parameters.Select(a => (float[])a.Clone()).ToArray();
    p[tensor][index] += delta;
    using var net = new Network(device, spec, p);
    var r = net.Backward(x, n, targets, loss, CurvatureMethod.HesScale);
    return (r.Loss, r.Gradient(tensor), r.Curvature(CurvatureMethod.HesScale, tensor));
}

int failures = 0;
void Check(bool ok, string what)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
    if (!ok) failures++;
}

int last = spec.Parameters.Last(p => p.Name == "weight").Index;
var (l0, g0, h0) = Pass(last, 0, 0f);
Check(float.IsFinite(l0) && l0 > 0, $"loss {l0} is finite and positive");
const float eps = 1e-2f;
for (int i = 0; i < g0.Length; i += 3)
{
    var plus = Pass(last, i, eps);
    var minus = Pass(last, i, -eps);
    double fdGrad = (plus.Loss - (double)minus.Loss) / (2 * eps);
    double fdCurv = (plus.Gradient[i] - (double)minus.Gradient[i]) / (2 * eps);
    Check(Math.Abs(fdGrad - g0[i]) <= 1e-3 + 1e-2 * Math.Abs(g0[i]), $"gradient[{i}] {g0[i]:G5} = loss difference {fdGrad:G5}");
    Check(Math.Abs(fdCurv - h0[i]) <= 1e-3 + 1e-2 * Math.Abs(h0[i]) && h0[i] > 0, $"HesScale[{i}] {h0[i]:G5} = gradient difference {fdCurv:G5} (exact at the last layer)");
}

var digits = Digits.Load();
Check(digits.Count == 1797 && digits.FeatureCount == 64, $"embedded digits data: {digits.Count} samples of {digits.FeatureCount} features");

Console.WriteLine(failures == 0 ? $"package smoke test passed on {device.Name}" : $"package smoke test: {failures} check(s) failed");
return failures == 0 ? 0 : 1;
