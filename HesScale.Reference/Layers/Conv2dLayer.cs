using MathNet.Numerics.LinearAlgebra;

namespace HesScale.Reference.Layers;

/// <summary>
/// PyTorch's Conv2d (cross-correlation, zero padding, dilation 1, groups 1):
/// y[n,o,i,j] = b[o] + sum_{c,u,v} W[o,c,u,v] x[n,c,i*sh+u-ph,j*sw+v-pw], W: O x C x kh x kw row-major, b: O (optional).
/// Every operation walks the same tap list: (output index, input index, weight index) per sample, taps in the
/// padding dropped; each (output, input) pair is joined by at most one weight, so (A∘A) is the convolution with W∘W.
/// </summary>
public sealed class Conv2dLayer : ReferenceLayer
{
    private readonly (int Out, int In, int Weight)[] _taps;
    private readonly int _positions; // out(H) * out(W), the positions that share one weight

    /// <param name="input">C x H x W; C must equal <paramref name="inChannels"/>.</param>
    /// <param name="inChannels">C.</param>
    /// <param name="outChannels">O.</param>
    /// <param name="window">Kernel kh x kw, stride, zero padding.</param>
    /// <param name="bias">Whether b exists.</param>
    public Conv2dLayer(TensorShape input, int inChannels, int outChannels, Window2d window, bool bias = true)
        : base("conv2d", input, OutputOf(input, inChannels, outChannels, window))
    {
        InChannels = inChannels;
        OutChannels = outChannels;
        Window = window;
        HasBias = bias;
        var weight = new ParameterShape("weight", outChannels, inChannels, window.KernelH, window.KernelW);
        Parameters = bias ? [weight, new("bias", outChannels)] : [weight];

        var output = OutputShape;
        _positions = output.Height * output.Width;
        int kernel = window.KernelH * window.KernelW;
        var taps = new List<(int, int, int)>();
        for (int o = 0; o < outChannels; o++)
        {
            for (int c = 0; c < inChannels; c++)
            {
                int inBase = c * input.Height * input.Width, outBase = o * _positions, wBase = (o * inChannels + c) * kernel;
                window.ForEachTap(input.Height, input.Width, output.Height, output.Width, (i, j, u, v, r, col) =>
                    taps.Add((outBase + i * output.Width + j, inBase + r * input.Width + col, wBase + u * window.KernelW + v)));
            }
        }
        _taps = taps.ToArray();
    }

    /// <summary>C.</summary>
    public int InChannels { get; }

    /// <summary>O.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel, stride, padding.</summary>
    public Window2d Window { get; }

    /// <summary>Whether b exists.</summary>
    public bool HasBias { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterShape> Parameters { get; }

    /// <inheritdoc/>
    public override double[] Forward(double[][] p, double[] x, int batch) => Convolve(p[0], HasBias ? p[1] : null, x, batch);

    /// <summary>g_in = the transposed convolution of g with W.</summary>
    public override double[] BackwardInput(double[][] p, double[] x, double[] g, int batch) => Transposed(p[0], g, batch);

    /// <summary>dW[o,c,u,v] = sum_{n,i,j} g[n,o,i,j] x[n,c,i*sh+u-ph,j*sw+v-pw], db[o] = sum_{n,i,j} g[n,o,i,j].</summary>
    public override double[][] ParameterGradient(double[][] p, double[] x, double[] g, int batch) => WeightAndBias(g, x, batch);

    /// <summary>d_in = the transposed convolution of d with W∘W.</summary>
    public override double[] BackwardDiagonal(double[][] p, double[] x, double[] g, double[] d, int batch, bool secondOrder) =>
        Transposed(LinearMaps.Square(p[0]), d, batch);

    /// <summary>The shared-weight rule: dW[o,c,u,v] = sum over positions of x^2 d (x = 0 in the padding), db[o] = sum of d.</summary>
    public override double[][] ParameterDiagonal(double[][] p, double[] x, double[] d, int batch) => WeightAndBias(d, LinearMaps.Square(x), batch);

    /// <summary>R{y} = conv(R{x}, W) + conv(x, V_W) + V_b.</summary>
    public override double[] RForward(double[][] p, double[][] v, double[] x, double[] rx, int batch) =>
        LinearMaps.Add(Convolve(p[0], null, rx, batch), Convolve(v[0], HasBias ? v[1] : null, x, batch));

    /// <summary>R{g_in} = convT(R{g}, W) + convT(g, V_W).</summary>
    public override double[] RBackwardInput(double[][] p, double[][] v, double[] x, double[] rx, double[] g, double[] rg, int batch) =>
        LinearMaps.Add(Transposed(p[0], rg, batch), Transposed(v[0], g, batch));

    /// <summary>R{dW} = corr(R{g}, x) + corr(g, R{x}), R{db} = sum R{g}.</summary>
    public override double[][] RParameterGradient(double[][] p, double[][] v, double[] x, double[] rx, double[] g, double[] rg, int batch)
    {
        var viaG = WeightAndBias(rg, x, batch);
        viaG[0] = LinearMaps.Add(viaG[0], WeightAndBias(g, rx, batch)[0]);
        return viaG;
    }

    /// <summary>A[out, in] = W[tap].</summary>
    public override Matrix<double> InputJacobian(double[][] p, double[] x)
    {
        var a = Matrix<double>.Build.Dense(OutputShape.Size, InputShape.Size);
        foreach (var t in _taps) a[t.Out, t.In] += p[0][t.Weight];
        return a;
    }

    /// <summary>dy[out] / dW[tap] = x[in], dy[o,i,j] / db[o] = 1; columns: W flattened, then b.</summary>
    public override Matrix<double> ParameterJacobian(double[][] p, double[] x)
    {
        int weights = Parameters[0].Length;
        var b = Matrix<double>.Build.Dense(OutputShape.Size, weights + (HasBias ? OutChannels : 0));
        foreach (var t in _taps) b[t.Out, t.Weight] += x[t.In];
        if (HasBias)
        {
            for (int k = 0; k < OutputShape.Size; k++) b[k, weights + k / _positions] = 1.0;
        }
        return b;
    }

    /// <summary>d^2 (g . y) / (dx[in] dW[tap]) = sum of g[out] over the taps joining them.</summary>
    public override Matrix<double> MixedCurvature(double[][] p, double[] x, double[] g)
    {
        var m = Matrix<double>.Build.Dense(InputShape.Size, Parameters.Sum(s => s.Length));
        foreach (var t in _taps) m[t.In, t.Weight] += g[t.Out];
        return m;
    }

    private double[] Convolve(double[] w, double[]? b, double[] x, int batch)
    {
        int inSize = InputShape.Size, outSize = OutputShape.Size;
        var y = new double[batch * outSize];
        for (int n = 0; n < batch; n++)
        {
            var xn = x.AsSpan(n * inSize, inSize);
            var yn = y.AsSpan(n * outSize, outSize);
            if (b is not null)
            {
                for (int k = 0; k < outSize; k++) yn[k] = b[k / _positions];
            }
            foreach (var t in _taps) yn[t.Out] += w[t.Weight] * xn[t.In];
        }
        return y;
    }

    /// <summary>r[n, in] = sum over taps of w[tap] g[n, out], N x in.</summary>
    private double[] Transposed(double[] w, double[] g, int batch)
    {
        int inSize = InputShape.Size, outSize = OutputShape.Size;
        var r = new double[batch * inSize];
        for (int n = 0; n < batch; n++)
        {
            var gn = g.AsSpan(n * outSize, outSize);
            var rn = r.AsSpan(n * inSize, inSize);
            foreach (var t in _taps) rn[t.In] += w[t.Weight] * gn[t.Out];
        }
        return r;
    }

    /// <summary>[sum_n sum_taps g[n,out] h[n,in] per weight, sum_n sum_positions g[n,o,.] per channel].</summary>
    private double[][] WeightAndBias(double[] g, double[] h, int batch)
    {
        int inSize = InputShape.Size, outSize = OutputShape.Size;
        var dw = new double[Parameters[0].Length];
        for (int n = 0; n < batch; n++)
        {
            var gn = g.AsSpan(n * outSize, outSize);
            var hn = h.AsSpan(n * inSize, inSize);
            foreach (var t in _taps) dw[t.Weight] += gn[t.Out] * hn[t.In];
        }
        if (!HasBias) return [dw];
        var db = new double[OutChannels];
        for (int n = 0; n < batch; n++)
        {
            for (int k = 0; k < outSize; k++) db[k / _positions] += g[n * outSize + k];
        }
        return [dw, db];
    }

    private static TensorShape OutputOf(TensorShape input, int inChannels, int outChannels, Window2d window)
    {
        if (inChannels <= 0 || outChannels <= 0) throw new ArgumentException($"conv2d: in_channels {inChannels} and out_channels {outChannels} must be positive.");
        if (input.Channels != inChannels) throw new ArgumentException($"conv2d: in_channels is {inChannels} but its input {input} has {input.Channels} channels.");
        var (h, w) = window.OutputSize("conv2d", input.Height, input.Width);
        return new TensorShape(outChannels, h, w);
    }
}
