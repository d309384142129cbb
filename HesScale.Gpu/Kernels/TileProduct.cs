using System.Runtime.CompilerServices;
using ILGPU;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// The inner step of the shared-memory tiled kernels (<see cref="TiledLinearKernels"/>, <see cref="TiledConv2dKernels"/>):
/// two tile x tile tiles, row-major, and one thread's dot of row <c>r</c> of the first with column <c>c</c> of the second.
/// The curvature channels square one side (W^2 or x^2); which side depends on the product, so both are offered.
/// </summary>
internal static class TileProduct
{
    /// <summary>
    /// acc + sum_k f(rows[r, k]) g(columns[k, c]) over k in [0, tile), f or g squaring when asked (never both), added one term at a
    /// time in k order, each term as (a a) b or (a b) b: the order the kernels wrote out before, so results are bit for bit the same.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RowTimesColumn(float acc, ArrayView<float> rows, ArrayView<float> columns, int r, int c, int tile, bool squareRow, bool squareColumn)
    {
        if (squareRow)
        {
            for (int k = 0; k < tile; k++)
            {
                float a = rows[r * tile + k];
                acc += a * a * columns[k * tile + c];
            }
        }
        else if (squareColumn)
        {
            for (int k = 0; k < tile; k++)
            {
                float b = columns[k * tile + c];
                acc += rows[r * tile + k] * b * b;
            }
        }
        else
        {
            for (int k = 0; k < tile; k++) acc += rows[r * tile + k] * columns[k * tile + c];
        }
        return acc;
    }
}
