using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Native;

/// <summary>
/// The fast CPU path: the kernels' math on host arrays, vectorised with <see cref="System.Numerics.Vector{T}"/>
/// and split over threads. Same shapes and channel conventions as <see cref="LinearKernels"/>.
/// Small jobs run on the calling thread (a parallel loop costs microseconds).
/// </summary>
internal sealed partial class NativeBackend : Backend
{
    /// <summary>Multiply-adds below which a call stays on one thread.</summary>
    private const long ParallelThreshold = 1 << 15;

    private readonly ParallelOptions _options;

    public NativeBackend(int threads)
    {
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
        _options = new ParallelOptions { MaxDegreeOfParallelism = Threads };
        Name = $"cpu: native, {Threads} thread{(Threads == 1 ? "" : "s")}, {System.Numerics.Vector<float>.Count}-wide SIMD";
    }

    public int Threads { get; }
    public override DeviceKind Kind => DeviceKind.Cpu;
    public override string Name { get; }

    private static float[] A(DeviceBuffer buffer) => ((HostBuffer)buffer).Data;

    public override DeviceBuffer Allocate(int length) => new HostBuffer(length);

    /// <summary>Runs body(i) for i in [0, count), in parallel when the total work is large enough.</summary>
    private void For(int count, long work, Action<int> body)
    {
        if (Threads == 1 || count == 1 || work < ParallelThreshold)
        {
            for (int i = 0; i < count; i++) body(i);
        }
        else
        {
            Parallel.For(0, count, _options, body);
        }
    }

    public override void LinearForward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer y, int n, int inW, int outW)
    {
        float[] xs = A(x), ws = A(w), ys = A(y);
        float[]? bs = b is null ? null : A(b);
        For(n * outW, (long)n * outW * inW, idx =>
        {
            int row = idx / outW, o = idx - row * outW;
            float acc = SimdMath.Dot(xs.AsSpan(row * inW, inW), ws.AsSpan(o * inW, inW));
            ys[idx] = bs is null ? acc : acc + bs[o];
        });
    }

    public override void ActivationForward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, int count)
    {
        float[] av = A(a), zv = A(z);
        int kind = (int)layer.Kind;
        float slope = layer.Slope;
        for (int i = 0; i < count; i++) zv[i] = ActivationMath.Forward(kind, slope, av[i]);
    }

    public override void LossBackward(LossSpec loss, DeviceBuffer y, DeviceBuffer targets, DeviceBuffer b, DeviceBuffer lossPerSample,
        int n, int k, int channels, int packedModes)
    {
        float[] yv = A(y), tv = A(targets), bv = A(b), lv = A(lossPerSample);
        float invM = 1f / loss.Divisor(n, k);
        bool ce = loss.Kind == LossKind.CrossEntropy;
        int plane = n * k;
        for (int s = 0; s < n; s++)
        {
            int off = s * k;
            if (ce)
            {
                int t = (int)tv[s];
                float max = yv[off];
                for (int j = 1; j < k; j++) max = MathF.Max(max, yv[off + j]);
                float sum = 0f;
                for (int j = 0; j < k; j++) sum += MathF.Exp(yv[off + j] - max);
                float logZ = max + MathF.Log(sum);
                lv[s] = (logZ - yv[off + t]) * invM;
                for (int j = 0; j < k; j++)
                {
                    float p = MathF.Exp(yv[off + j] - logZ);
                    bv[off + j] = (p - (j == t ? 1f : 0f)) * invM;
                    for (int c = 1; c < channels; c++)
                        bv[c * plane + off + j] = Channels.OutputCurvature(Channels.ModeOf(packedModes, c), true, p, j == t, invM);
                }
            }
            else
            {
                float acc = 0f;
                for (int j = 0; j < k; j++)
                {
                    float diff = yv[off + j] - tv[off + j];
                    acc += diff * diff;
                    bv[off + j] = 2f * diff * invM;
                    for (int c = 1; c < channels; c++)
                        bv[c * plane + off + j] = Channels.OutputCurvature(Channels.ModeOf(packedModes, c), false, 0f, false, invM);
                }
                lv[s] = acc * invM;
            }
        }
    }

    public override void ActivationBackward(LayerSpec layer, DeviceBuffer a, DeviceBuffer bz, DeviceBuffer ba, int count, int channels, int packedModes)
    {
        float[] av = A(a), zv = A(bz), outv = A(ba);
        int kind = (int)layer.Kind;
        float slope = layer.Slope;
        for (int i = 0; i < count; i++)
        {
            ActivationMath.Derivatives(kind, slope, av[i], out float d1, out float d2);
            float g = zv[i];
            outv[i] = d1 * g;
            float residual = d2 * g, d1Sq = d1 * d1;
            for (int c = 1; c < channels; c++)
            {
                float d = d1Sq * zv[c * count + i];
                if (Channels.KeepsResidual(Channels.ModeOf(packedModes, c))) d += residual;
                outv[c * count + i] = d;
            }
        }
    }

    public override void LinearBackward(DeviceBuffer bOut, DeviceBuffer h, DeviceBuffer w, DeviceBuffer? bIn, DeviceBuffer dW, DeviceBuffer? db,
        int n, int inW, int outW, int channels, int linearChannels)
    {
        float[] bo = A(bOut), hv = A(h), wv = A(w), dwv = A(dW);
        float[]? dbv = db is null ? null : A(db);
        int plane = n * outW;

        // Parameter quantities, one output row o per work item: every channel reads row o of
        // each B plane and the same rows of h (h^2 for curvature channels).
        For(outW, (long)channels * n * inW * outW, o =>
        {
            for (int c = 0; c < channels; c++)
            {
                var row = dwv.AsSpan((c * outW + o) * inW, inW);
                row.Clear();
                bool squared = c >= linearChannels;
                float biasAcc = 0f;
                for (int s = 0; s < n; s++)
                {
                    float coef = bo[c * plane + s * outW + o];
                    biasAcc += coef;
                    if (coef == 0f) continue;
                    var hRow = hv.AsSpan(s * inW, inW);
                    if (squared) SimdMath.AddScaledSquare(row, coef, hRow);
                    else SimdMath.AddScaled(row, coef, hRow);
                }
                if (dbv is not null) dbv[c * outW + o] = biasAcc;
            }
        });

        if (bIn is null) return;
        float[] bi = A(bIn);
        int inPlane = n * inW;
        // Input stack, one sample per work item: Bin[c, s, :] = sum_o B[c, s, o] W[o, :]^p.
        For(n, (long)channels * n * inW * outW, s =>
        {
            for (int c = 0; c < channels; c++)
            {
                var dst = bi.AsSpan(c * inPlane + s * inW, inW);
                dst.Clear();
                bool squared = c >= linearChannels;
                for (int o = 0; o < outW; o++)
                {
                    float coef = bo[c * plane + s * outW + o];
                    if (coef == 0f) continue;
                    var wRow = wv.AsSpan(o * inW, inW);
                    if (squared) SimdMath.AddScaledSquare(dst, coef, wRow);
                    else SimdMath.AddScaled(dst, coef, wRow);
                }
            }
        });
    }

    public override void Synchronize() { }

    public override void Dispose() { }

    private sealed class HostBuffer(int length) : DeviceBuffer
    {
        public float[] Data { get; } = new float[Math.Max(1, length)];
        public override int Length { get; } = length;

        public override void Upload(ReadOnlySpan<float> source, int offset = 0) => source.CopyTo(Data.AsSpan(offset, source.Length));

        public override void Download(Span<float> destination, int offset = 0) => Data.AsSpan(offset, destination.Length).CopyTo(destination);

        public override void Dispose() { }
    }
}
