// One shape type for the library and the reference (HesScale.Gpu.TensorShape).
global using TensorShape = HesScale.Gpu.TensorShape;
