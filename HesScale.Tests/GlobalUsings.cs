// The library's public namespaces (they follow its folders: Devices, Engine, Model, Reinforcement.Losses).
global using HesScale.Gpu.Devices;
global using HesScale.Gpu.Engine;
global using HesScale.Gpu.Model;
global using HesScale.Gpu.Reinforcement.Losses;
global using TensorShape = HesScale.Gpu.Model.TensorShape;
