namespace HesScale.Bench.Ptx;

/// <summary>Theoretical occupancy of a kernel on one SM: resident groups and the limit that binds.</summary>
public readonly record struct OccupancyEstimate(int GroupsPerSm, double Fraction, string Limit);

/// <summary>
/// Theoretical occupancy on an sm_90 SM (H100, H200) from ptxas's per-kernel resources, as NVIDIA's
/// occupancy calculator computes it. Limits per SM (CUDA C++ Programming Guide, compute capability
/// 9.0): 65,536 registers allocated per warp in units of 256, 64 warps, 32 groups, 228 KB shared
/// memory of which the runtime reserves 1 KB per group, allocated in units of 128 bytes.
/// </summary>
public static class Occupancy
{
    public const int WarpSize = 32;
    public const int RegistersPerSm = 65536;
    public const int RegisterUnit = 256;
    public const int MaxWarpsPerSm = 64;
    public const int MaxGroupsPerSm = 32;
    public const int SharedPerSm = 228 * 1024;
    public const int ReservedSharedPerGroup = 1024;
    public const int SharedUnit = 128;

    /// <summary>Threads per group the ILGPU backend launches on a GPU (IlgpuBackend: min(256, the device's maximum)).</summary>
    public const int GroupSize = 256;

    /// <summary>The formula, for reports.</summary>
    public const string Formula =
        "warps/group w = ceil(T/32); regs/warp = ceil(32 R / 256) * 256; " +
        "groups = min(32, floor(64 / w), floor(floor(65536 / regs/warp) / w), floor(233472 / (128 ceil((S + 1024) / 128)))); " +
        "occupancy = groups * w / 64";

    /// <summary>Occupancy of groups of <paramref name="threads"/> threads using <paramref name="registers"/> per thread and <paramref name="sharedBytes"/> per group.</summary>
    public static OccupancyEstimate Sm90(int registers, int sharedBytes, int threads = GroupSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(registers);
        ArgumentOutOfRangeException.ThrowIfNegative(sharedBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        int warps = (threads + WarpSize - 1) / WarpSize;
        int regsPerWarp = (registers * WarpSize + RegisterUnit - 1) / RegisterUnit * RegisterUnit;
        int byRegisters = regsPerWarp == 0 ? int.MaxValue : RegistersPerSm / regsPerWarp / warps;
        int sharedPerGroup = (sharedBytes + ReservedSharedPerGroup + SharedUnit - 1) / SharedUnit * SharedUnit;
        int byShared = SharedPerSm / sharedPerGroup;
        int byWarps = MaxWarpsPerSm / warps;
        var limits = new (int Groups, string Name)[] { (MaxGroupsPerSm, "groups"), (byWarps, "warps"), (byRegisters, "registers"), (byShared, "shared memory") };
        var binding = limits.MinBy(l => l.Groups);
        return new OccupancyEstimate(binding.Groups, (double)binding.Groups * warps / MaxWarpsPerSm, binding.Name);
    }
}
