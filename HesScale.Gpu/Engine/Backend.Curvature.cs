namespace HesScale.Gpu.Engine;

/// <summary>
/// Device operations of the comparison methods (<see cref="Curvature.CurvatureEstimator"/>):
/// factor columns (exact, GGN, GGN-MC, KFAC; see <see cref="Kernels.CurvatureKernels"/>) and
/// Pearlmutter's R-operator (Hutchinson; see <see cref="Kernels.RForwardKernels"/>).
/// </summary>
internal abstract partial class Backend
{
    /// <summary>Columns S (R, N, K) and signs (R, N) at the output; mode from <see cref="Kernels.CurvatureKernels"/>.</summary>
    public abstract void OutputFactors(LossSpec loss, DeviceBuffer y, DeviceBuffer s, DeviceBuffer signs, int n, int k, int columns, int mode, ulong seed, ulong stream);

    /// <summary>Sin (R, N, in) = Sout (R, N, out) W.</summary>
    public abstract void ColumnsThroughLinear(DeviceBuffer sOut, DeviceBuffer w, DeviceBuffer sIn, int columns, int n, int inW, int outW);

    /// <summary>Sa = s'(a) Sz, plus <paramref name="width"/> residual columns when <paramref name="residual"/>.</summary>
    public abstract void ColumnsThroughActivation(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer sz, DeviceBuffer sa, DeviceBuffer signs,
        int columns, bool residual, int n, int width);

    /// <summary>q (N, w) = scale * sum_r signs[r, n] S[r, n, :]^2.</summary>
    public abstract void ColumnEnergy(DeviceBuffer s, DeviceBuffer signs, DeviceBuffer q, int columns, int n, int width, float scale);

    /// <summary>KFAC diagonal of a Linear layer from the per-sample output energies q (N, out).</summary>
    public abstract void KfacWeight(DeviceBuffer q, DeviceBuffer h, DeviceBuffer dW, DeviceBuffer? db, int n, int inW, int outW);

    /// <summary>v[0..count) = +-1 from (seed, stream).</summary>
    public abstract void Rademacher(DeviceBuffer v, int count, ulong seed, ulong stream);

    /// <summary>diag = scale * sum_r v[r] * hv[r] over (R, length) stacks.</summary>
    public abstract void ProductMean(DeviceBuffer v, DeviceBuffer hv, DeviceBuffer diag, int columns, int length, float scale);

    /// <summary>dst[dstOffset + i] = src[srcOffset + i] (squared when <paramref name="squared"/>).</summary>
    public abstract void CopyPower(DeviceBuffer src, DeviceBuffer dst, int srcOffset, int dstOffset, int count, bool squared);

    /// <summary>R{a} (R, N, out) of a Linear layer; <paramref name="rh"/> null means R{h} = 0 (the network input).</summary>
    public abstract void RForwardLinear(DeviceBuffer? rh, DeviceBuffer h, DeviceBuffer w, DeviceBuffer v, DeviceBuffer? vb, DeviceBuffer ra,
        int columns, int n, int inW, int outW);

    /// <summary>R{z} = s'(a) R{a} over R planes of <paramref name="count"/> values.</summary>
    public abstract void RForwardActivation(LayerSpec layer, DeviceBuffer a, DeviceBuffer ra, DeviceBuffer rz, int columns, int count);

    /// <summary>R{g_y} = H_out R{y} (R, N, K).</summary>
    public abstract void RLoss(LossSpec loss, DeviceBuffer y, DeviceBuffer ry, DeviceBuffer rg, int columns, int n, int k);

    /// <summary>R{g_a} = R{g_z} s'(a) + g_z s''(a) R{a}.</summary>
    public abstract void RBackwardActivation(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer ra, DeviceBuffer rgz, DeviceBuffer rga, int columns, int count);

    /// <summary>R{g_in} = R{g} W + g V (R, N, in).</summary>
    public abstract void RBackwardLinearInput(DeviceBuffer rg, DeviceBuffer g, DeviceBuffer w, DeviceBuffer v, DeviceBuffer rgIn, int columns, int n, int inW, int outW);

    /// <summary>(H v) of a Linear layer's weight (R, out, in) and bias (R, out).</summary>
    public abstract void RBackwardLinearWeight(DeviceBuffer rg, DeviceBuffer g, DeviceBuffer h, DeviceBuffer? rh, DeviceBuffer hv, DeviceBuffer? hvb,
        int columns, int n, int inW, int outW);
}
