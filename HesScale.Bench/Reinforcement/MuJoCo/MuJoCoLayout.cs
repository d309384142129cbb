namespace HesScale.Bench.Reinforcement.MuJoCo;

/// <summary>
/// Byte offsets of the few <c>mjModel</c>, <c>mjData</c> and <c>mjVFS</c> fields the environments touch,
/// in MuJoCo 2.2.2's layout (x86-64), as printed by <c>mujoco-layout.c</c> next to this file.
/// </summary>
/// <remarks>
/// Why declared offsets rather than a C shim: the environments need ~20 fields, all at fixed offsets
/// once the version is fixed, so a table of constants plus a version check at load costs nothing at
/// run time and needs no C compiler in the build or on a user's machine (Debian's runtime package is
/// enough). A different MuJoCo is refused at load (<see cref="MuJoCoLibrary"/> checks
/// <c>mj_version() == 222</c>); tests check these constants against the headers when gcc and
/// libmujoco-dev are present, and read back values MuJoCo itself set (qpos0, body masses, control ranges).
/// Pointer fields hold the address of an array inside the model or data buffer (mjtNum = double).
/// </remarks>
internal static class MuJoCoLayout
{
    public const int Version = 222;

    // mjModel: sizes (int), opt (mjOption), then array pointers.
    public const int ModelNq = 0;
    public const int ModelNv = 4;
    public const int ModelNu = 8;
    public const int ModelNa = 12;
    public const int ModelNbody = 16;
    public const int ModelNjnt = 20;
    public const int ModelNgeom = 24;
    public const int ModelNsite = 28;
    public const int ModelTimestep = 232;        // double opt.timestep
    public const int ModelIntegrator = 432;      // int opt.integrator (0 Euler, 1 RK4)
    public const int ModelQpos0 = 1096;          // double* (nq)
    public const int ModelBodyMass = 1240;       // double* (nbody)
    public const int ModelActuatorCtrlLimited = 2744; // byte* (nu)
    public const int ModelActuatorCtrlRange = 2792;   // double* (nu x 2)
    public const int ModelActuatorGear = 2816;        // double* (nu x 6)

    // mjData: warning statistics, time, then array pointers.
    public const int DataWarning = 24;           // mjWarningStat[WarningCount]
    public const int WarningStatSize = 8;        // {int lastinfo; int number;}
    public const int WarningStatNumber = 4;
    public const int WarningCount = 8;           // mjNWARNING
    public const int DataTime = 40336;           // double
    public const int DataQpos = 40376;           // double* (nq)
    public const int DataQvel = 40384;           // double* (nv)
    public const int DataCtrl = 40408;           // double* (nu)
    public const int DataXpos = 40480;           // double* (nbody x 3)
    public const int DataSiteXpos = 40552;       // double* (nsite x 3)
    public const int DataQfrcConstraint = 41136; // double* (nv)
    public const int DataCfrcExt = 41168;        // double* (nbody x 6: rotation then translation)

    // mjVFS: {int nfile; char filename[2000][1000]; int filesize[2000]; void* filedata[2000];}
    public const int VfsSize = 2024008;
    public const int VfsFileData = 2008008;

    // mjtObj values for mj_name2id.
    public const int ObjectBody = 1;
    public const int ObjectSite = 6;

    // mjtWarning indices whose counters mean the state blew up (MuJoCo then resets the data itself).
    public const int WarnBadQpos = 4, WarnBadQvel = 5, WarnBadQacc = 6, WarnBadCtrl = 7;
}
