using HesScale.Gpu;
using HesScale.Gpu.Data;
using HesScale.Gpu.Optimizers;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Bench.Samples;

/// <summary>What <see cref="DeviceResidentTraining.Run"/> measured.</summary>
/// <param name="Accelerator">The accelerator's name and type.</param>
/// <param name="HostWaits">Host waits of this library during the training steps (0: nothing was read).</param>
/// <param name="Launches">This library's kernel launches during the training steps.</param>
/// <param name="StepLosses">The loss of every step, recorded on the device by the application's kernel and read once at the end.</param>
/// <param name="LastLoss">The last step's <see cref="BackwardResult.Loss"/>, read after its optimizer step.</param>
/// <param name="Correct">Test samples classified correctly.</param>
/// <param name="TestCount">Test samples.</param>
internal sealed record DeviceTrainingReport(string Accelerator, long HostWaits, long Launches, float[] StepLosses, float LastLoss, int Correct, int TestCount);

/// <summary>
/// A GPU-bound application in miniature: it owns its ILGPU accelerator, uploads the digits data
/// once, and trains an MLP with an optimizer entirely on the device. Each step queues, on the
/// accelerator's default stream, the network's forward + fused backward pass over a slice of
/// the device-resident data, the optimizer step, and the application's own kernel that records
/// the step's loss from <see cref="BackwardResult.LossSharesView"/>; nothing is read to the host
/// until training ends.
/// </summary>
internal static class DeviceResidentTraining
{
    /// <summary>Linear(64, 32) -> Tanh -> Linear(32, 10).</summary>
    public static NetworkSpec Spec { get; } = new(LayerSpec.Linear(Digits.Features, 32), LayerSpec.Tanh(), LayerSpec.Linear(32, Digits.Classes));

    /// <summary>
    /// Trains <see cref="Spec"/> for <paramref name="steps"/> steps of <paramref name="batch"/> samples
    /// (at most train.Count) of <paramref name="train"/>, then classifies <paramref name="test"/>.
    /// </summary>
    public static DeviceTrainingReport Run(Accelerator accelerator, Dataset train, Dataset test, string optimizerName, OptimizerSettings settings, int steps, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batch, train.Count);

        // The data goes up once: features (N, 64) and labels (N) of both splits.
        using var trainX = accelerator.Allocate1D(train.Features);
        using var trainY = accelerator.Allocate1D(train.Labels);
        using var testX = accelerator.Allocate1D(test.Features);
        using var testY = accelerator.Allocate1D(test.Labels);
        using var history = accelerator.Allocate1D<float>(steps);
        using var hits = accelerator.Allocate1D<int>(test.Count);
        var recordLoss = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(RecordLoss);
        var classify = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<int>, int>(Classify);

        // The library works on the application's accelerator; disposing it leaves the accelerator alone.
        using var device = ComputeDevice.FromAccelerator(accelerator);
        using var network = new Network(device, Spec, seed: 0);
        using var optimizer = Optimizer.Create(optimizerName, network, settings);
        if (optimizer.RequiredEstimator is { } estimator)
            throw new InvalidOperationException($"optimizer '{optimizerName}' steps from a {estimator} estimate, which this sample does not run; pick one that steps from Network.Backward.");

        int f = Digits.Features, slices = train.Count / batch;
        long waits = device.HostSynchronizations, launches = device.KernelLaunches;
        BackwardResult? last = null;
        for (int step = 0; step < steps; step++)
        {
            int first = step % slices * batch; // consecutive slices of the (already shuffled) training split
            last = network.Backward(trainX.View.SubView(first * f, batch * f), batch, trainY.View.SubView(first, batch),
                LossSpec.CrossEntropy(), optimizer.RequiredCurvature);
            optimizer.Step(last);
            recordLoss(1, last.LossSharesView, history.View, step);
        }
        waits = device.HostSynchronizations - waits;
        launches = device.KernelLaunches - launches;

        // Reads, after training: the last loss (valid until the next pass), every step's loss at once, then test accuracy.
        float lastLoss = last!.Loss;
        float[] stepLosses = history.GetAsArray1D();
        var outputs = network.Forward(testX.View, test.Count);
        classify(test.Count, outputs, testY.View, hits.View, Digits.Classes);
        int correct = hits.GetAsArray1D().Sum();
        return new DeviceTrainingReport($"{accelerator.Name} ({accelerator.AcceleratorType})", waits, launches, stepLosses, lastLoss, correct, test.Count);
    }

    /// <summary>The application's kernel: history[step] = sum of the step's per-sample loss shares (N), in order.</summary>
    private static void RecordLoss(Index1D index, ArrayView<float> shares, ArrayView<float> history, int step)
    {
        float sum = 0f;
        for (int i = 0; i < shares.IntLength; i++) sum += shares[i];
        history[step] = sum;
    }

    /// <summary>hits[s] = 1 when the largest of outputs (N, K) row s is the label, else 0.</summary>
    private static void Classify(Index1D s, ArrayView<float> outputs, ArrayView<int> labels, ArrayView<int> hits, int k)
    {
        int best = 0;
        for (int j = 1; j < k; j++)
        {
            if (outputs[s * k + j] > outputs[s * k + best]) best = j;
        }
        hits[s] = best == labels[s] ? 1 : 0;
    }
}
