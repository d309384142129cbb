namespace HesScale.Gpu.Reinforcement.Losses;

/// <summary>Shape and value checks shared by the RL losses.</summary>
internal static class LossChecks
{
    public static void Shape(int batch, int width, int expectedWidth, int available, string loss, ReadOnlySpan<float> outputs, Span<float> gradient, Span<float> diagonal)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{loss}: the batch must be positive.");
        if (width != expectedWidth)
            throw new ArgumentException($"{loss}: the network has {width} outputs but the loss expects {expectedWidth}.", nameof(width));
        if (batch > available)
            throw new ArgumentException($"{loss}: batch {batch} exceeds the {available} samples the loss holds.", nameof(batch));
        int plane = batch * width;
        if (outputs.Length < plane || gradient.Length < plane || diagonal.Length < plane)
            throw new ArgumentException($"{loss}: outputs, gradient and diagonal must hold {batch} x {width} values.", nameof(outputs));
    }

    public static void Finite(ReadOnlySpan<float> values, string name, string loss)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{loss}: {name}[{i}] is {values[i]} (not finite).", name);
        }
    }

    public static void Count(int actual, int expected, string name, string loss)
    {
        if (actual != expected)
            throw new ArgumentException($"{loss}: {name} must hold {expected} values, got {actual}.", name);
    }

    public static void Actions(ReadOnlySpan<int> actions, int classes, string loss)
    {
        for (int i = 0; i < actions.Length; i++)
        {
            if ((uint)actions[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(actions), actions[i], $"{loss}: actions[{i}] must lie in [0, {classes - 1}].");
        }
    }
}
