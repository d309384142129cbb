using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Launch shapes for grid-stride kernels on one accelerator, as <c>IlgpuBackend</c> chooses them: groups of 256
/// (at most 16 per multiprocessor) on a GPU, one group of the simulator's maximum size on the CPU simulator.
/// </summary>
internal readonly struct GridStrideShape
{
    private readonly int _groupSize, _maxGroups;

    public GridStrideShape(Accelerator accelerator)
    {
        bool simulator = accelerator.AcceleratorType == AcceleratorType.CPU;
        _groupSize = simulator ? accelerator.MaxNumThreadsPerGroup : Math.Min(256, accelerator.MaxNumThreadsPerGroup);
        _maxGroups = simulator ? 1 : Math.Max(1, accelerator.NumMultiprocessors * 16);
    }

    /// <summary>The shape for <paramref name="total"/> items; refuses totals where the grid-stride index could wrap.</summary>
    public KernelConfig For(long total)
    {
        long gridThreads = (long)_groupSize * _maxGroups;
        if (total < 0 || total > int.MaxValue - gridThreads)
            throw new ArgumentOutOfRangeException(nameof(total), total, $"A kernel over {total} items is beyond int indexing on this device (at most {int.MaxValue - gridThreads}); use a smaller batch.");
        int groups = (int)Math.Clamp((total + _groupSize - 1) / _groupSize, 1, _maxGroups);
        return new KernelConfig(groups, _groupSize);
    }
}
