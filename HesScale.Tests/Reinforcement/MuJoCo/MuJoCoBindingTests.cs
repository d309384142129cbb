using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using HesScale.Bench.Reinforcement.MuJoCo;

namespace HesScale.Tests.Reinforcement.MuJoCo;

/// <summary>
/// The declared 2.2.2 layout against the headers and against values MuJoCo itself set: sizes, qpos0,
/// body masses and control ranges from the shared mujoco.md table (measured there with a C program),
/// and data fields through kinematics whose answer is known.
/// </summary>
[TestClass]
public sealed class MuJoCoBindingTests
{
    [TestInitialize]
    public void RequireMuJoCo() => MuJoCoAvailability.Require();

    [TestMethod]
    public void Layout_constants_equal_the_offsets_the_headers_give()
    {
        string source = Path.Combine(AppContext.BaseDirectory, "MuJoCo", "mujoco-layout.c");
        Assert.IsTrue(File.Exists(source), source);
        if (!File.Exists("/usr/include/mujoco/mujoco.h")) Assert.Inconclusive("layout check skipped: headers missing (package libmujoco-dev).");
        string exe = Path.Combine(Path.GetTempPath(), "mujoco-layout-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output) = RunProcess("gcc", $"\"{source}\" -o \"{exe}\" -l:libmujoco.so.2.2.2");
            if (code < 0) Assert.Inconclusive("layout check skipped: no C compiler (package gcc).");
            Assert.AreEqual(0, code, output);
            (code, output) = RunProcess(exe, "");
            Assert.AreEqual(0, code, output);
            var printed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' '))
                .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
            var declared = typeof(MuJoCoLayout).GetFields(BindingFlags.Public | BindingFlags.Static)
                .ToDictionary(f => f.Name, f => Convert.ToInt64(f.GetValue(null), CultureInfo.InvariantCulture));
            Assert.IsGreaterThanOrEqualTo(30, printed.Count, output);
            foreach (var (name, value) in printed)
            {
                Assert.IsTrue(declared.TryGetValue(name, out long ours), $"MuJoCoLayout lacks {name}");
                Assert.AreEqual(value, ours, name);
            }
        }
        finally
        {
            File.Delete(exe);
        }
    }

    private static (int Code, string Output) RunProcess(string file, string arguments)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "");
        }
    }

    // model, nq, nv, nu, nbody, nsite, njnt, ngeom, total mass, qpos0 (from the shared mujoco.md, measured in C).
    [TestMethod]
    [DataRow("hopper.xml", 6, 6, 3, 5, 0, 6, 5, 15.820013, new[] { 0, 1.25, 0, 0, 0, 0 })]
    [DataRow("walker2d.xml", 9, 9, 6, 8, 0, 9, 8, 23.677137, new[] { 0, 1.25, 0, 0, 0, 0, 0, 0, 0 })]
    [DataRow("half_cheetah.xml", 9, 9, 6, 8, 0, 9, 9, 14.0, new double[] { 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [DataRow("ant.xml", 15, 14, 8, 14, 0, 9, 14, 0.910880, new[] { 0, 0, 0.75, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [DataRow("inverted_pendulum.xml", 2, 2, 1, 3, 0, 2, 3, 15.490567, new double[] { 0, 0 })]
    [DataRow("inverted_double_pendulum.xml", 3, 3, 1, 4, 1, 3, 5, 18.869453, new double[] { 0, 0, 0 })]
    [DataRow("reacher.xml", 4, 4, 2, 5, 0, 4, 10, 0.078452, new[] { 0, 0, 0.1, -0.1 })]
    [DataRow("swimmer.xml", 5, 5, 2, 4, 0, 5, 4, 106.814150, new double[] { 0, 0, 0, 0, 0 })]
    public void Model_fields_read_back_what_MuJoCo_compiled(string file, int nq, int nv, int nu, int nbody, int nsite, int njnt, int ngeom, double mass, double[] qpos0)
    {
        using var sim = MuJoCoAssets.Load(file);
        Assert.AreEqual(nq, sim.Nq);
        Assert.AreEqual(nv, sim.Nv);
        Assert.AreEqual(nu, sim.Nu);
        Assert.AreEqual(nbody, sim.Nbody);
        Assert.AreEqual(nsite, sim.Nsite);
        Assert.AreEqual(njnt, sim.Njnt);
        Assert.AreEqual(ngeom, sim.Ngeom);
        Assert.AreEqual(0, sim.Na);
        double total = 0;
        foreach (double m in sim.BodyMass) total += m;
        Assert.AreEqual(mass, total, 5e-7, "total body mass");
        Assert.AreEqual(0.0, sim.BodyMass[0], "the world body has no mass");
        CollectionAssert.AreEqual(qpos0, sim.Qpos0.ToArray());
        CollectionAssert.AreEqual(Enumerable.Repeat((byte)1, nu).ToArray(), sim.ActuatorCtrlLimited.ToArray(), "every actuator ctrllimited");
    }

    // model, timestep, integrator (0 Euler, 1 RK4), ctrl range high (low = -high), first gear.
    [TestMethod]
    [DataRow("hopper.xml", 0.002, 1, 1.0, 200.0)]
    [DataRow("walker2d.xml", 0.002, 1, 1.0, 100.0)]
    [DataRow("half_cheetah.xml", 0.01, 0, 1.0, 120.0)]
    [DataRow("ant.xml", 0.01, 1, 1.0, 150.0)]
    [DataRow("inverted_pendulum.xml", 0.02, 1, 3.0, 100.0)]
    [DataRow("inverted_double_pendulum.xml", 0.01, 1, 1.0, 500.0)]
    [DataRow("reacher.xml", 0.01, 1, 1.0, 200.0)]
    [DataRow("swimmer.xml", 0.01, 1, 1.0, 150.0)]
    public void Options_control_ranges_and_gears_read_back(string file, double timestep, int integrator, double high, double gear)
    {
        using var sim = MuJoCoAssets.Load(file);
        Assert.AreEqual(timestep, sim.Timestep);
        Assert.AreEqual(integrator, sim.Integrator);
        for (int i = 0; i < sim.Nu; i++)
        {
            Assert.AreEqual(-high, sim.ActuatorCtrlRange[2 * i], $"ctrlrange[{i}] low");
            Assert.AreEqual(high, sim.ActuatorCtrlRange[2 * i + 1], $"ctrlrange[{i}] high");
        }
        Assert.AreEqual(gear, sim.ActuatorGear[0]);
        Assert.AreEqual(0.0, sim.ActuatorGear[1], "gear rows are 6 wide");
    }

    [TestMethod]
    public void Data_fields_follow_the_kinematics()
    {
        // Inverted double pendulum: slider cart then two hinges; at rest the tip site is at (0, 0, 1.2).
        using var sim = MuJoCoAssets.Load("inverted_double_pendulum.xml");
        sim.Reset();
        sim.Forward();
        CollectionAssert.AreEqual(new[] { 0, 0, 1.2 }, sim.SiteXpos.ToArray().Select(v => Math.Round(v, 12)).ToArray());
        Assert.AreEqual(0.0, sim.Time);
        // Moving the cart moves every body and the tip by the same x: qpos and xpos are where we think.
        sim.Qpos[0] = 0.3;
        sim.Forward();
        Assert.AreEqual(0.3, sim.SiteXpos[0], 1e-12);
        Assert.AreEqual(0.3, sim.Xpos[3 * 1], 1e-12, "cart body x");
        Assert.AreEqual(1.2, sim.SiteXpos[2], 1e-12);
        // Tilting pole 1 by 90 degrees (about y) puts the tip 1.2 * ... lower: z drops below 1.
        sim.Qpos[1] = Math.PI / 2;
        sim.Forward();
        Assert.IsLessThan(1.0, sim.SiteXpos[2]);
        // qvel and ctrl: a step with ctrl moves the cart and advances time by the timestep.
        sim.Reset();
        sim.Ctrl[0] = 1.0;
        sim.Step();
        Assert.AreEqual(sim.Timestep, sim.Time, 1e-15);
        Assert.IsGreaterThan(0.0, sim.Qvel[0], "a positive ctrl accelerates the cart to +x");
    }

    [TestMethod]
    public void Constraint_and_contact_forces_appear_where_expected()
    {
        // Cart beyond its slider limit (±1): the limit pushes back through qfrc_constraint.
        using var idp = MuJoCoAssets.Load("inverted_double_pendulum.xml");
        idp.Reset();
        idp.Forward();
        Assert.AreEqual(0.0, idp.QfrcConstraint[0]);
        idp.Qpos[0] = 1.05;
        idp.Forward();
        Assert.IsLessThan(0.0, idp.QfrcConstraint[0], "the limit pushes the cart back to -x");

        // Ant standing on the floor: cfrc_ext is filled by mj_rnePostConstraint only.
        using var ant = MuJoCoAssets.Load("ant.xml");
        ant.Reset();
        for (int k = 0; k < 100; k++) ant.Step();
        Assert.IsTrue(ant.CfrcExt.ToArray().All(v => v == 0), "cfrc_ext stays 0 without mj_rnePostConstraint");
        ant.RnePostConstraint();
        Assert.IsTrue(ant.CfrcExt.ToArray().Any(v => Math.Abs(v) > 1e-3), "contacts after mj_rnePostConstraint");
    }

    [TestMethod]
    public void Blow_up_is_counted_by_the_warning_counters_and_reset_clears_them()
    {
        using var sim = MuJoCoAssets.Load("hopper.xml");
        sim.Reset();
        Assert.AreEqual(0, sim.UnstableWarnings);
        sim.Qvel[2] = 1e20; // beyond mjMAXVAL: MuJoCo resets the data and counts a bad qvel
        sim.Step();
        Assert.IsGreaterThan(0, sim.UnstableWarnings);
        StringAssert.Contains(MuJoCoLibrary.LastWarning, "QVEL", "the text went to our handler, not to MUJOCO_LOG.TXT");
        Assert.IsFalse(File.Exists("MUJOCO_LOG.TXT"));
        Assert.IsLessThan(1e-3, Math.Abs(sim.Qvel[2]), "MuJoCo reset the state itself, then stepped on");
        sim.Reset();
        Assert.AreEqual(0, sim.UnstableWarnings);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => sim.WarningNumber(8));
    }

    [TestMethod]
    public void Names_resolve_to_ids_and_unknown_names_are_named()
    {
        using var reacher = MuJoCoAssets.Load("reacher.xml");
        Assert.AreEqual(3, reacher.BodyId("fingertip"));
        Assert.AreEqual(4, reacher.BodyId("target"));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => reacher.BodyId("nose")).Message, "nose");
        using var idp = MuJoCoAssets.Load("inverted_double_pendulum.xml");
        Assert.AreEqual(0, idp.SiteId("tip"));
    }

    [TestMethod]
    public void Bad_model_text_is_one_error_with_MuJoCo_s_message()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => MuJoCoSimulation.FromXml("<mujoco><worldbody><body><geom type=\"nosuch\"/></body></worldbody></mujoco>", "bad.xml"));
        StringAssert.Contains(e.Message, "bad.xml");
        StringAssert.Contains(e.Message, "nosuch");
        Assert.DoesNotContain("\n", e.Message);
        Assert.ThrowsExactly<FileNotFoundException>(() => MuJoCoSimulation.FromFile("/nonexistent/model.xml"));
    }

    [TestMethod]
    public void A_model_file_on_disk_loads_like_the_embedded_one()
    {
        string path = Path.Combine(Path.GetTempPath(), "hopper-" + Guid.NewGuid().ToString("N") + ".xml");
        File.WriteAllText(path, MuJoCoAssets.Read("hopper.xml"));
        try
        {
            using var fromFile = MuJoCoSimulation.FromFile(path);
            using var embedded = MuJoCoAssets.Load("hopper.xml");
            CollectionAssert.AreEqual(embedded.BodyMass.ToArray(), fromFile.BodyMass.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Disposed_simulation_refuses_access_and_disposes_twice_safely()
    {
        var sim = MuJoCoAssets.Load("swimmer.xml");
        sim.Dispose();
        sim.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => sim.Qpos[0]);
        Assert.ThrowsExactly<ObjectDisposedException>(sim.Step);
    }

    [TestMethod]
    public void Models_and_licence_are_embedded()
    {
        var names = MuJoCoAssets.ResourceNames().ToList();
        foreach (var file in MuJoCoAssets.ModelFiles) CollectionAssert.Contains(names, "HesScale.Bench.MuJoCo." + file);
        StringAssert.Contains(MuJoCoAssets.Read("LICENSE"), "MIT");
        StringAssert.Contains(MuJoCoAssets.Read("README.md"), "Gymnasium");
    }
}
