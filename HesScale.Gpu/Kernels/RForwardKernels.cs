using ILGPU;
using ILGPU.Algorithms;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Pearlmutter's R-operator, forward half: R{.} = d/dr (.)(theta + r v) at r = 0 for R directions
/// at once. R-values are (R, N, width); directions V are (R, out, in) for weights and (R, out) for biases;
/// forward values h, a, y are (N, width).
/// </summary>
internal static class RForwardKernels
{
    /// <summary>R{a}[r, s, o] = sum_i R{h}[r, s, i] W[o, i] + h[s, i] V[r, o, i] + Vb[r, o].</summary>
    public static void Linear(
        ArrayView<float> rh, ArrayView<float> h, ArrayView<float> w, ArrayView<float> v, ArrayView<float> vb, ArrayView<float> ra,
        int columns, int n, int inW, int outW, int hasRh, int hasBias)
    {
        int total = columns * n * outW;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int row = idx / outW, o = idx - row * outW;
            int r = row / n, s = row - r * n;
            int vOff = (r * outW + o) * inW, hOff = s * inW, wOff = o * inW, rhOff = row * inW;
            float acc = hasBias != 0 ? vb[r * outW + o] : 0f;
            for (int i = 0; i < inW; i++) acc += h[hOff + i] * v[vOff + i];
            if (hasRh != 0)
            {
                for (int i = 0; i < inW; i++) acc += rh[rhOff + i] * w[wOff + i];
            }
            ra[idx] = acc;
        }
    }

    /// <summary>R{z} = s'(a) R{a}; a is (N, w) = count values, R{a} and R{z} are (R, N, w).</summary>
    public static void Activation(ArrayView<float> a, ArrayView<float> ra, ArrayView<float> rz, int columns, int count, int kind, float slope)
    {
        int total = columns * count;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            CurvatureDerivatives.At(kind, slope, a[idx % count], out float d1, out float _);
            rz[idx] = d1 * ra[idx];
        }
    }

    /// <summary>
    /// R{g_y} = H_out R{y} per (direction, sample): CE (p * R{y} - p (p . R{y})) / M, MSE 2 R{y} / M
    /// (<see cref="LossMath.RLoss{T}"/>, shared with the native path).
    /// </summary>
    public static void Loss(ArrayView<float> y, ArrayView<float> ry, ArrayView<float> rg, int columns, int n, int k, int crossEntropy, float invM)
    {
        int total = columns * n;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
            LossMath.RLoss(new ViewFloats(y), new ViewFloats(ry), new ViewFloats(rg), idx, n, k, crossEntropy != 0, invM);
    }
}
