using HesScale.Gpu.Engine;

namespace HesScale.Gpu.Optimizers;

/// <summary>Where one parameter tensor's gradient and curvature diagonal live on the device (offsets in floats).</summary>
internal readonly record struct TensorInputs(DeviceBuffer Gradient, int GradientOffset, DeviceBuffer Curvature, int CurvatureOffset);
