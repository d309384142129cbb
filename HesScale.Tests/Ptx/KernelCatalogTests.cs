using System.Reflection;
using HesScale.Gpu;
using HesScale.Gpu.Kernels;

namespace HesScale.Tests.Ptx;

/// <summary>
/// The PTX check compiles <see cref="KernelCatalog.All"/>; these tests keep that list equal to the set
/// of kernels the library actually turns into delegates (what LoadStreamKernel receives), so a new
/// kernel cannot be missing from the PTX check and a removed one cannot linger in it.
/// </summary>
[TestClass]
public sealed class KernelCatalogTests
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    /// <summary>Every kernel-namespace method whose address some code of the library (outside the catalog) takes.</summary>
    private static HashSet<MethodInfo> KernelsTheLibraryLoads()
    {
        var loaded = new HashSet<MethodInfo>();
        foreach (var type in typeof(ComputeDevice).Assembly.GetTypes())
        {
            if (IsInside(type, typeof(KernelCatalog))) continue;
            foreach (var method in type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything)))
                foreach (var target in IlReader.FunctionPointers(method))
                    if (target is MethodInfo m && m.DeclaringType?.Namespace == typeof(KernelCatalog).Namespace)
                        loaded.Add(m);
        }
        return loaded;
    }

    private static bool IsInside(Type type, Type outer)
    {
        for (var t = type; t is not null; t = t.DeclaringType)
            if (t == outer) return true;
        return false;
    }

    [TestMethod]
    public void Every_kernel_the_library_loads_is_in_the_catalog_and_nothing_else()
    {
        var loaded = KernelsTheLibraryLoads();
        var listed = KernelCatalog.All.ToHashSet();
        var missing = loaded.Except(listed).Select(KernelCatalog.NameOf).Order(StringComparer.Ordinal).ToArray();
        var extra = listed.Except(loaded).Select(KernelCatalog.NameOf).Order(StringComparer.Ordinal).ToArray();
        Assert.IsEmpty(missing, $"Loaded by the library but not in KernelCatalog.All: {string.Join(", ", missing)}");
        Assert.IsEmpty(extra, $"In KernelCatalog.All but loaded nowhere: {string.Join(", ", extra)}");
        // Today's build: 30 kernels (the IL scan found them, not just the list).
        Assert.IsGreaterThanOrEqualTo(30, loaded.Count);
    }

    [TestMethod]
    public void Catalog_names_are_unique_and_kernels_are_static_void()
    {
        var names = KernelCatalog.All.Select(KernelCatalog.NameOf).ToArray();
        CollectionAssert.AllItemsAreUnique(names);
        foreach (var k in KernelCatalog.All)
        {
            Assert.IsTrue(k.IsStatic, KernelCatalog.NameOf(k));
            Assert.AreEqual(typeof(void), k.ReturnType, KernelCatalog.NameOf(k));
        }
    }

    [TestMethod]
    public void The_IL_reader_finds_a_delegate_target()
    {
        // A method known to create a kernel delegate: the IlgpuLinearOps constructor loads LinearKernels.Forward.
        var ctor = typeof(IlgpuLinearOps).GetConstructors(Everything).Single();
        CollectionAssert.Contains(IlReader.FunctionPointers(ctor).ToArray(), (MethodBase)((Delegate)LinearKernels.Forward).Method);
    }
}
