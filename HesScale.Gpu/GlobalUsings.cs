// The library's core namespaces, visible in every file of the library (namespaces follow folders).
global using HesScale.Gpu.Devices;
global using HesScale.Gpu.Engine;
global using HesScale.Gpu.Layers;
global using HesScale.Gpu.Model;
