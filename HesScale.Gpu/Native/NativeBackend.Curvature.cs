using System.Numerics.Tensors;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Native;

/// <summary>
/// The comparison methods' own steps on host arrays (the layers' are in <see cref="NativeLinearOps"/> and
/// <see cref="NativeActivationOps"/>): the same formulas and shapes as
/// <see cref="CurvatureKernels"/>, <see cref="RForwardKernels"/> and <see cref="CurvatureRBackwardKernels"/>,
/// the same counter-based random numbers (<see cref="RandomMath"/>), rows split over threads.
/// </summary>
internal sealed partial class NativeBackend
{
    public override void OutputFactors(LossSpec loss, DeviceBuffer y, DeviceBuffer s, DeviceBuffer signs, int n, int k, int columns, int mode, ulong seed, ulong stream)
    {
        var (yv, sv, sg) = (new ArrayFloats(A(y)), new ArrayFloats(A(s)), new ArrayFloats(A(signs)));
        float invM = 1f / loss.Divisor(n, k);
        bool ce = loss.Kind == LossKind.CrossEntropy;
        for (int idx = 0; idx < columns * n; idx++) LossMath.OutputFactor(yv, sv, sg, idx, n, k, ce, invM, mode, seed, stream);
    }

    public override void ColumnEnergy(DeviceBuffer s, DeviceBuffer signs, DeviceBuffer q, int columns, int n, int width, float scale)
    {
        float[] sv = A(s), sg = A(signs), qv = A(q);
        int plane = n * width;
        Array.Clear(qv, 0, plane);
        for (int r = 0; r < columns; r++)
        {
            for (int sample = 0; sample < n; sample++)
            {
                float sign = sg[r * n + sample];
                int off = r * plane + sample * width;
                for (int o = 0; o < width; o++) qv[sample * width + o] += sign * sv[off + o] * sv[off + o];
            }
        }
        for (int i = 0; i < plane; i++) qv[i] *= scale;
    }

    public override void Rademacher(DeviceBuffer v, int count, ulong seed, ulong stream)
    {
        float[] vv = A(v);
        ulong key = RandomMath.Key(seed, stream);
        ForChunks(count, ElementChunk, 4L * count, (i0, i1) =>
        {
            for (int i = i0; i < i1; i++) vv[i] = RandomMath.RademacherAt(key, (ulong)i);
        });
    }

    public override void ProductMean(DeviceBuffer v, DeviceBuffer hv, DeviceBuffer diag, int columns, int length, float scale)
    {
        float[] vv = A(v), hvv = A(hv), dv = A(diag);
        if (columns == 1)
        {
            // One sample (the common AdaHessian step): diag = scale v (H v), vectorised.
            TensorPrimitives.Multiply(vv.AsSpan(0, length), hvv.AsSpan(0, length), dv.AsSpan(0, length));
            if (scale != 1f) TensorPrimitives.Multiply(dv.AsSpan(0, length), scale, dv.AsSpan(0, length));
            return;
        }
        for (int j = 0; j < length; j++)
        {
            float acc = 0f;
            for (int r = 0; r < columns; r++) acc += vv[r * length + j] * hvv[r * length + j];
            dv[j] = scale * acc;
        }
    }

    public override void CopyPower(DeviceBuffer src, DeviceBuffer dst, int srcOffset, int dstOffset, int count, bool squared)
    {
        float[] sv = A(src), dv = A(dst);
        for (int i = 0; i < count; i++)
        {
            float v = sv[srcOffset + i];
            dv[dstOffset + i] = squared ? v * v : v;
        }
    }

    public override void RLoss(LossSpec loss, DeviceBuffer y, DeviceBuffer ry, DeviceBuffer rg, int columns, int n, int k)
    {
        var (yv, ryv, rgv) = (new ArrayFloats(A(y)), new ArrayFloats(A(ry)), new ArrayFloats(A(rg)));
        float invM = 1f / loss.Divisor(n, k);
        bool ce = loss.Kind == LossKind.CrossEntropy;
        for (int idx = 0; idx < columns * n; idx++) LossMath.RLoss(yv, ryv, rgv, idx, n, k, ce, invM);
    }

}
