using System.Runtime.InteropServices;
using System.Text;

namespace HesScale.Bench.Reinforcement.MuJoCo;

/// <summary>
/// One MuJoCo model and its data (<c>mjModel</c> + <c>mjData</c>), with spans over the arrays the
/// environments read and write. The spans alias MuJoCo's own buffers: valid until <see cref="Dispose"/>,
/// and no copy is made, so stepping allocates nothing. Native memory is freed by <see cref="Dispose"/>
/// (or, if that is forgotten, by the finalizer). Not thread-safe: one thread per simulation.
/// </summary>
internal sealed unsafe class MuJoCoSimulation : IDisposable
{
    private const int ErrorBufferSize = 1000;
    private static readonly Lock CompileLock = new();
    private readonly MuJoCoLibrary _lib;
    private nint _model, _data;
    private readonly double* _qpos, _qvel, _ctrl, _xpos, _siteXpos, _qfrcConstraint, _cfrcExt;

    private MuJoCoSimulation(MuJoCoLibrary lib, nint model, string name)
    {
        _lib = lib;
        _model = model;
        Name = name;
        _data = lib.MakeData(model);
        if (_data == 0)
        {
            lib.DeleteModel(model);
            _model = 0;
            throw new InvalidOperationException($"{name}: mj_makeData failed (out of memory?).");
        }
        Nq = ModelInt(MuJoCoLayout.ModelNq);
        Nv = ModelInt(MuJoCoLayout.ModelNv);
        Nu = ModelInt(MuJoCoLayout.ModelNu);
        Nbody = ModelInt(MuJoCoLayout.ModelNbody);
        Nsite = ModelInt(MuJoCoLayout.ModelNsite);
        _qpos = DataArray(MuJoCoLayout.DataQpos);
        _qvel = DataArray(MuJoCoLayout.DataQvel);
        _ctrl = DataArray(MuJoCoLayout.DataCtrl);
        _xpos = DataArray(MuJoCoLayout.DataXpos);
        _siteXpos = DataArray(MuJoCoLayout.DataSiteXpos);
        _qfrcConstraint = DataArray(MuJoCoLayout.DataQfrcConstraint);
        _cfrcExt = DataArray(MuJoCoLayout.DataCfrcExt);
    }

    ~MuJoCoSimulation() => Release();

    /// <summary>Compiles an MJCF model given as text (through MuJoCo's in-memory file system, so no file is written).</summary>
    public static MuJoCoSimulation FromXml(string xml, string fileName)
    {
        ArgumentNullException.ThrowIfNull(xml);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        var lib = MuJoCoLibrary.Instance;
        byte[] bytes = Encoding.UTF8.GetBytes(xml);
        byte[] name = NullTerminated(fileName);
        // mjVFS is 2 MB: keep it off the stack.
        nint vfs = (nint)NativeMemory.AllocZeroed((nuint)MuJoCoLayout.VfsSize);
        try
        {
            lib.DefaultVfs(vfs);
            fixed (byte* n = name)
            {
                int made = lib.MakeEmptyFileVfs(vfs, n, bytes.Length);
                if (made != 0) throw new InvalidOperationException($"{fileName}: mj_makeEmptyFileVFS failed ({made}).");
                int index = lib.FindFileVfs(vfs, n);
                byte* target = *(byte**)(vfs + MuJoCoLayout.VfsFileData + index * sizeof(nint));
                bytes.CopyTo(new Span<byte>(target, bytes.Length));
                return Compile(lib, n, vfs, fileName);
            }
        }
        finally
        {
            lib.DeleteVfs(vfs);
            NativeMemory.Free((void*)vfs);
        }
    }

    /// <summary>Compiles an MJCF model file.</summary>
    public static MuJoCoSimulation FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"model file '{path}' not found.", path);
        var lib = MuJoCoLibrary.Instance;
        fixed (byte* n = NullTerminated(path)) return Compile(lib, n, 0, path);
    }

    private static MuJoCoSimulation Compile(MuJoCoLibrary lib, byte* name, nint vfs, string displayName)
    {
        byte* error = stackalloc byte[ErrorBufferSize];
        error[0] = 0;
        nint model;
        lock (CompileLock) model = lib.LoadXml(name, vfs, error, ErrorBufferSize); // loads share global state (the last parsed model, kept for mj_saveLastXML)
        if (model == 0)
        {
            string text = (Marshal.PtrToStringUTF8((nint)error) ?? "").ReplaceLineEndings(" ").Trim();
            throw new InvalidOperationException($"{displayName}: MuJoCo could not load the model: {text}");
        }
        return new MuJoCoSimulation(lib, model, displayName);
    }

    private static byte[] NullTerminated(string s)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    public string Name { get; }
    public int Nq { get; }
    public int Nv { get; }
    public int Nu { get; }
    public int Nbody { get; }
    public int Nsite { get; }
    public int Njnt => ModelInt(MuJoCoLayout.ModelNjnt);
    public int Ngeom => ModelInt(MuJoCoLayout.ModelNgeom);
    public int Na => ModelInt(MuJoCoLayout.ModelNa);
    /// <summary>opt.timestep (seconds per mj_step).</summary>
    public double Timestep => *(double*)(Model + MuJoCoLayout.ModelTimestep);
    /// <summary>opt.integrator: 0 Euler, 1 RK4.</summary>
    public int Integrator => ModelInt(MuJoCoLayout.ModelIntegrator);

    /// <summary>model.qpos0 (nq): the reference pose, which <see cref="Reset"/> restores.</summary>
    public ReadOnlySpan<double> Qpos0 => new(ModelArray(MuJoCoLayout.ModelQpos0), Nq);
    /// <summary>model.body_mass (nbody).</summary>
    public ReadOnlySpan<double> BodyMass => new(ModelArray(MuJoCoLayout.ModelBodyMass), Nbody);
    /// <summary>model.actuator_ctrlrange (nu x 2: low, high).</summary>
    public ReadOnlySpan<double> ActuatorCtrlRange => new(ModelArray(MuJoCoLayout.ModelActuatorCtrlRange), Nu * 2);
    /// <summary>model.actuator_gear (nu x 6).</summary>
    public ReadOnlySpan<double> ActuatorGear => new(ModelArray(MuJoCoLayout.ModelActuatorGear), Nu * 6);
    /// <summary>model.actuator_ctrllimited (nu; 1 = limited).</summary>
    public ReadOnlySpan<byte> ActuatorCtrlLimited => new(*(byte**)(Model + MuJoCoLayout.ModelActuatorCtrlLimited), Nu);

    public double Time => *(double*)(Data + MuJoCoLayout.DataTime);
    /// <summary>data.qpos (nq).</summary>
    public Span<double> Qpos => new(Live(_qpos), Nq);
    /// <summary>data.qvel (nv).</summary>
    public Span<double> Qvel => new(Live(_qvel), Nv);
    /// <summary>data.ctrl (nu).</summary>
    public Span<double> Ctrl => new(Live(_ctrl), Nu);
    /// <summary>data.xpos (nbody x 3): body frame positions from the last evaluation inside MuJoCo.</summary>
    public ReadOnlySpan<double> Xpos => new(Live(_xpos), Nbody * 3);
    /// <summary>data.site_xpos (nsite x 3).</summary>
    public ReadOnlySpan<double> SiteXpos => new(Live(_siteXpos), Nsite * 3);
    /// <summary>data.qfrc_constraint (nv).</summary>
    public ReadOnlySpan<double> QfrcConstraint => new(Live(_qfrcConstraint), Nv);
    /// <summary>data.cfrc_ext (nbody x 6); filled by <see cref="RnePostConstraint"/> only.</summary>
    public ReadOnlySpan<double> CfrcExt => new(Live(_cfrcExt), Nbody * 6);

    /// <summary>How often warning <paramref name="kind"/> (mjtWarning) was raised since the last reset.</summary>
    public int WarningNumber(int kind)
    {
        if ((uint)kind >= MuJoCoLayout.WarningCount) throw new ArgumentOutOfRangeException(nameof(kind), kind, $"mjtWarning is 0..{MuJoCoLayout.WarningCount - 1}.");
        return *(int*)(Data + MuJoCoLayout.DataWarning + kind * MuJoCoLayout.WarningStatSize + MuJoCoLayout.WarningStatNumber);
    }

    /// <summary>
    /// Bad qpos/qvel/qacc/ctrl warnings since the last reset. In 2.2.2 nothing fails when the state
    /// blows up: MuJoCo resets the data itself and counts it here, so a divergence check reads this.
    /// </summary>
    public int UnstableWarnings => WarningNumber(MuJoCoLayout.WarnBadQpos) + WarningNumber(MuJoCoLayout.WarnBadQvel)
        + WarningNumber(MuJoCoLayout.WarnBadQacc) + WarningNumber(MuJoCoLayout.WarnBadCtrl);

    /// <summary>mj_resetData: qpos = qpos0; qvel, ctrl, time, warnings and the solver warm start zeroed.</summary>
    public void Reset() => _lib.ResetData(Model, Data);

    /// <summary>mj_forward: positions, velocities and forces from the current state (no time step).</summary>
    public void Forward() => _lib.Forward(Model, Data);

    /// <summary>mj_step: one time step of opt.timestep with the model's integrator.</summary>
    public void Step() => _lib.Step(Model, Data);

    /// <summary>mj_rnePostConstraint: fills cacc, cfrc_int and cfrc_ext (never changes the trajectory).</summary>
    public void RnePostConstraint() => _lib.RnePostConstraint(Model, Data);

    public int BodyId(string name) => NameToId(MuJoCoLayout.ObjectBody, name, "body");

    public int SiteId(string name) => NameToId(MuJoCoLayout.ObjectSite, name, "site");

    private int NameToId(int type, string name, string what)
    {
        int id;
        fixed (byte* n = NullTerminated(name)) id = _lib.NameToId(Model, type, n);
        return id >= 0 ? id : throw new ArgumentException($"{Name}: no {what} named '{name}'.", nameof(name));
    }

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        if (_data != 0) _lib.DeleteData(_data);
        if (_model != 0) _lib.DeleteModel(_model);
        _data = 0;
        _model = 0;
    }

    private nint Model => _model != 0 ? _model : throw new ObjectDisposedException(Name);
    private nint Data => _data != 0 ? _data : throw new ObjectDisposedException(Name);
    private double* Live(double* p) => _data != 0 ? p : throw new ObjectDisposedException(Name);
    private int ModelInt(int offset) => *(int*)(Model + offset);
    private double* ModelArray(int offset) => *(double**)(Model + offset);
    private double* DataArray(int offset) => *(double**)(Data + offset);
}
