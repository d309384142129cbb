using HesScale.Gpu;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Reliability;

/// <summary>
/// Issue 14, item 5: two threads on one <see cref="Network"/> used to corrupt results silently.
/// A call while another thread is inside one now throws <see cref="InvalidOperationException"/>;
/// no call returns a wrong number.
/// </summary>
[TestClass]
public sealed class ConcurrentUseTests
{
    private static readonly NetworkSpec Spec = new(LayerSpec.Linear(6, 9), LayerSpec.Tanh(), LayerSpec.Linear(9, 4));
    private static readonly LossSpec Loss = new(LossKind.CrossEntropy, Reduction.Mean);

    /// <summary>Deterministic: the second thread calls while the first is certainly inside Backward.</summary>
    [TestMethod]
    [DataRow(DeviceKind.Cpu)]
    [DataRow(DeviceKind.IlgpuCpu)]
    public void Call_from_another_thread_during_a_pass_throws(DeviceKind kind)
    {
        using var network = new Network(Devices.Get(kind), Spec, seed: 3);
        var inputs = Enumerable.Range(0, 2 * 6).Select(i => (float)Math.Sin(i)).ToArray();
        var seen = new List<Exception?>();
        // On a thread of its own (Task.Result could run the call inline on this thread).
        static Exception? OnAnotherThread(Action call)
        {
            Exception? caught = null;
            var thread = new Thread(() =>
            {
                try
                {
                    call();
                }
                catch (InvalidOperationException e)
                {
                    caught = e;
                }
            });
            thread.Start();
            thread.Join();
            return caught;
        }
        var loss = new HalfSquaresLoss(() =>
        {
            seen.Add(OnAnotherThread(() => network.Forward(inputs, 2)));
            seen.Add(OnAnotherThread(() => network.GetParameter(0)));
            seen.Add(OnAnotherThread(() => network.Backward(inputs, 2, Targets.FromClasses([1, 2]), Loss)));
        });
        var result = network.Backward(inputs, 2, loss, CurvatureMethod.HesScale);
        Assert.HasCount(3, seen);
        foreach (var e in seen)
        {
            Assert.IsNotNull(e, "a call from another thread during a pass must be refused");
            Assert.Contains("in use by another thread", e.Message);
        }
        // The pass itself completed and the network is free again.
        Assert.HasCount(Spec.Parameters[0].Length, result.Gradient(0));
        Assert.IsNull(OnAnotherThread(() => network.Forward(inputs, 2)));
    }

    /// <summary>
    /// The scenario: two threads hammer one network. Every call either returns exactly the
    /// single-threaded result or throws InvalidOperationException; never a wrong number.
    /// </summary>
    [TestMethod]
    public void Two_threads_never_get_a_wrong_result()
    {
        using var network = new Network(Devices.Native, Spec, seed: 5);
        const int batch = 3;
        var inputs = new float[2][];
        var expectedLoss = new float[2];
        var expectedGradient = new float[2][];
        for (int t = 0; t < 2; t++)
        {
            inputs[t] = Enumerable.Range(0, batch * 6).Select(i => (float)Math.Cos(i + 10 * t)).ToArray();
            var r = network.Backward(inputs[t], batch, Targets.FromClasses([t, 1, 3]), Loss, CurvatureMethod.HesScale);
            expectedLoss[t] = r.Loss;
            expectedGradient[t] = r.Curvature(CurvatureMethod.HesScale, 2);
        }
        int wrong = 0, refused = 0, right = 0;
        using var start = new Barrier(2);
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < 300; i++)
            {
                try
                {
                    var r = network.Backward(inputs[t], batch, Targets.FromClasses([t, 1, 3]), Loss, CurvatureMethod.HesScale);
                    bool ok = r.Loss == expectedLoss[t] && r.Curvature(CurvatureMethod.HesScale, 2).SequenceEqual(expectedGradient[t]);
                    Interlocked.Increment(ref ok ? ref right : ref wrong);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
        })).ToArray();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        Assert.AreEqual(0, wrong, $"{wrong} wrong results ({right} right, {refused} refused)");
        Assert.AreEqual(600, right + refused);
        Assert.IsGreaterThan(0, right);
    }
}
