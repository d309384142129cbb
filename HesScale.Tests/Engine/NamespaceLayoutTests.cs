using System.Text.RegularExpressions;

namespace HesScale.Tests.Engine;

/// <summary>Issue 9: the library's namespaces follow its folders (HesScale.Gpu/Model/X.cs is in HesScale.Gpu.Model).</summary>
[TestClass]
public sealed class NamespaceLayoutTests
{
    [TestMethod]
    public void Every_library_file_declares_the_namespace_of_its_folder()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "HesScale.Gpu.sln"))) root = root.Parent;
        Assert.IsNotNull(root, "repository root (HesScale.Gpu.sln) not found above the test binaries");
        var library = Path.Combine(root.FullName, "HesScale.Gpu");
        var sep = Path.DirectorySeparatorChar;
        var files = Directory.EnumerateFiles(library, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{sep}obj{sep}") && !f.Contains($"{sep}bin{sep}")).ToList();
        Assert.IsGreaterThan(50, files.Count, "library sources not found");
        var wrong = new List<string>();
        foreach (var file in files)
        {
            var folder = Path.GetRelativePath(library, Path.GetDirectoryName(file)!);
            var expected = folder == "." ? "HesScale.Gpu" : "HesScale.Gpu." + folder.Replace(sep, '.');
            var declared = Regex.Match(File.ReadAllText(file), @"^namespace ([\w.]+);", RegexOptions.Multiline);
            if (!declared.Success) continue; // assembly attributes or global usings only
            if (declared.Groups[1].Value != expected)
                wrong.Add($"{Path.GetRelativePath(library, file)}: {declared.Groups[1].Value} (folder: {expected})");
        }
        Assert.AreEqual(0, wrong.Count, "namespaces that do not follow their folder:\n" + string.Join("\n", wrong));
    }
}
