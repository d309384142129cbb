using HesScale.Bench.Reinforcement.MuJoCo;

namespace HesScale.Tests.Reinforcement.MuJoCo;

/// <summary>A missing MuJoCo library is one error that names the package to install (runs with or without MuJoCo).</summary>
[TestClass]
public sealed class MuJoCoMissingTests
{
    [TestMethod]
    public void Missing_library_names_the_apt_package()
    {
        var e = Assert.ThrowsExactly<MuJoCoUnavailableException>(() => MuJoCoLibrary.Load("libmujoco.so.0.0.0-not-installed"));
        StringAssert.Contains(e.Message, "apt-get install libmujoco2.2.2");
        StringAssert.Contains(e.Message, "libmujoco.so.0.0.0-not-installed");
        Assert.DoesNotContain("\n", e.Message);
        Assert.IsInstanceOfType<InvalidOperationException>(e, "the commands report InvalidOperationException as a one-line error");
    }
}
