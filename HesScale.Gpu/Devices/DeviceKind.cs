namespace HesScale.Gpu.Devices;

/// <summary>Where kernels run.</summary>
public enum DeviceKind
{
    /// <summary>CUDA, then OpenCL, then the native CPU path.</summary>
    Auto,
    /// <summary>ILGPU's CUDA backend (NVIDIA GPU).</summary>
    Cuda,
    /// <summary>ILGPU's OpenCL backend (needs generic address space support).</summary>
    OpenCL,
    /// <summary>The fast native CPU path: the same math, multi-threaded and vectorised on the host.</summary>
    Cpu,
    /// <summary>ILGPU's CPU accelerator: runs the GPU kernels in a simulator (correct, slow).</summary>
    IlgpuCpu,
}
