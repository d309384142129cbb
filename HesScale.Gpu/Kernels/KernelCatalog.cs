using System.Reflection;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Every kernel the ILGPU backend can launch, in one list: the PTX build (<c>hesscale ptx</c>)
/// compiles and assembles exactly these. A test reads the backend's IL and fails when it loads a
/// kernel that is not listed here, so a new kernel cannot be left out of the PTX check.
/// All are explicitly grouped (launched with a KernelConfig, grid-stride loops).
/// </summary>
public static class KernelCatalog
{
    /// <summary>The kernels, named "Class.Method" (unique), in the order of the kernel files.</summary>
    public static IReadOnlyList<MethodInfo> All { get; } =
    [
        M(LinearKernels.Forward),
        M(LinearKernels.ForwardActivation),
        M(LinearKernels.BackwardInput),
        M(LinearKernels.BackwardInputActivation),
        M(LinearKernels.BackwardWeight),
        M(TiledLinearKernels.Forward),
        M(TiledLinearKernels.BackwardInput),
        M(TiledLinearKernels.BackwardInputActivation),
        M(TiledLinearKernels.BackwardWeight),
        M(ActivationKernels.Forward),
        M(ActivationKernels.Backward),
        M(LossKernels.Backward),
        M(LossKernels.BackwardClasses),
        M(CurvatureKernels.OutputFactors),
        M(CurvatureKernels.ThroughLinear),
        M(CurvatureKernels.ThroughActivation),
        M(CurvatureKernels.ColumnEnergy),
        M(CurvatureKernels.KfacWeight),
        M(CurvatureKernels.Rademacher),
        M(CurvatureKernels.ProductMean),
        M(CurvatureKernels.CopyPower),
        M(RForwardKernels.Linear),
        M(RForwardKernels.Activation),
        M(RForwardKernels.Loss),
        M(CurvatureRBackwardKernels.Activation),
        M(CurvatureRBackwardKernels.LinearInput),
        M(CurvatureRBackwardKernels.LinearWeight),
        M(OptimizerKernels.Sgd),
        M(OptimizerKernels.Adaptive),
        M(OptimizerKernels.ScaledMoments),
        M(OptimizerKernels.StridedSum),
        M(OptimizerKernels.ScaleFromSum),
        M(OptimizerKernels.ScaledApply),
        M(Conv2dKernels.Forward),
        M(Conv2dKernels.BackwardInput),
        M(Conv2dKernels.BackwardWeight),
        M(Conv2dKernels.PatchFactor),
        M(Conv2dKernels.KfcWeight),
        M(TiledConv2dKernels.Forward),
        M(TiledConv2dKernels.BackwardInput),
        M(TiledConv2dKernels.BackwardWeight),
        M(TiledConv2dKernels.BackwardWeightSlices),
        M(TiledConv2dKernels.SumSlices),
        M(Pool2dKernels.MaxForward),
        M(Pool2dKernels.MaxBackward),
        M(Pool2dKernels.AvgForward),
        M(Pool2dKernels.AvgBackward),
        M(ImageColumnKernels.ConvColumnWeight),
        M(ImageColumnKernels.MaxGather),
    ];

    /// <summary>"LinearKernels.Forward": the kernel's class and method.</summary>
    public static string NameOf(MethodInfo kernel) => $"{kernel.DeclaringType!.Name}.{kernel.Name}";

    private static MethodInfo M(Delegate kernel) => kernel.Method;
}
