namespace HesScale.Gpu.Engine;

/// <summary>
/// The comparison methods' own device operations (<see cref="Curvature.CurvatureEstimator"/>), apart
/// from the per-layer steps in <see cref="Layers.LinearOps"/> and <see cref="Layers.ActivationOps"/>: output factor
/// columns and their energies (exact, GGN, GGN-MC, KFAC; <see cref="Kernels.CurvatureKernels"/>),
/// Rademacher directions, the R-operator's loss step and reductions (Hutchinson; <see cref="Kernels.RForwardKernels"/>).
/// </summary>
internal abstract partial class Backend
{
    /// <summary>Columns S (R, N, K) and signs (R, N) at the output; mode from <see cref="Kernels.CurvatureKernels"/>.</summary>
    public abstract void OutputFactors(LossSpec loss, DeviceBuffer y, DeviceBuffer s, DeviceBuffer signs, int n, int k, int columns, int mode, ulong seed, ulong stream);

    /// <summary>q (N, w) = scale * sum_r signs[r, n] S[r, n, :]^2.</summary>
    public abstract void ColumnEnergy(DeviceBuffer s, DeviceBuffer signs, DeviceBuffer q, int columns, int n, int width, float scale);

    /// <summary>v[0..count) = +-1 from (seed, stream).</summary>
    public abstract void Rademacher(DeviceBuffer v, int count, ulong seed, ulong stream);

    /// <summary>diag = scale * sum_r v[r] * hv[r] over (R, length) stacks.</summary>
    public abstract void ProductMean(DeviceBuffer v, DeviceBuffer hv, DeviceBuffer diag, int columns, int length, float scale);

    /// <summary>dst[dstOffset + i] = src[srcOffset + i] (squared when <paramref name="squared"/>).</summary>
    public abstract void CopyPower(DeviceBuffer src, DeviceBuffer dst, int srcOffset, int dstOffset, int count, bool squared);

    /// <summary>R{g_y} = H_out R{y} (R, N, K).</summary>
    public abstract void RLoss(LossSpec loss, DeviceBuffer y, DeviceBuffer ry, DeviceBuffer rg, int columns, int n, int k);
}
