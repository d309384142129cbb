// One shape type for the library and the reference (HesScale.Gpu.Model.TensorShape).
global using TensorShape = HesScale.Gpu.Model.TensorShape;
global using HesScale.Gpu.Model;
global using HesScale.Gpu.Engine;
