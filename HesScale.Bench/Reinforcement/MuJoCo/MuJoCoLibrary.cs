using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HesScale.Bench.Reinforcement.MuJoCo;

/// <summary>MuJoCo 2.2.2 is not installed, or another version was found (the message says what to install).</summary>
public sealed class MuJoCoUnavailableException : InvalidOperationException
{
    public MuJoCoUnavailableException()
    {
    }

    public MuJoCoUnavailableException(string message) : base(message)
    {
    }

    public MuJoCoUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// Debian's <c>libmujoco.so.2.2.2</c>, loaded once per process: unmanaged function pointers to the
/// functions the environments call (no marshalling, so a step allocates nothing). Refuses any
/// MuJoCo other than 2.2.2, because <see cref="MuJoCoLayout"/> declares that version's struct layout.
/// MuJoCo's text warnings are routed to a silent handler (by default they append to MUJOCO_LOG.TXT
/// in the working folder); the per-data warning counters still count them (see <see cref="MuJoCoSimulation.UnstableWarnings"/>).
/// </summary>
internal sealed unsafe class MuJoCoLibrary
{
    public const string FileName = "libmujoco.so.2.2.2";
    public const string InstallCommand = "apt-get install libmujoco2.2.2";

    private static readonly Lazy<MuJoCoLibrary> Shared = new(() => Load(FileName), LazyThreadSafetyMode.ExecutionAndPublication);

    public readonly delegate* unmanaged[Cdecl]<int> Version;
    public readonly delegate* unmanaged[Cdecl]<byte*, nint, byte*, int, nint> LoadXml;
    public readonly delegate* unmanaged[Cdecl]<nint, void> DefaultVfs;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, int, int> MakeEmptyFileVfs;
    public readonly delegate* unmanaged[Cdecl]<nint, byte*, int> FindFileVfs;
    public readonly delegate* unmanaged[Cdecl]<nint, void> DeleteVfs;
    public readonly delegate* unmanaged[Cdecl]<nint, nint> MakeData;
    public readonly delegate* unmanaged[Cdecl]<nint, void> DeleteData;
    public readonly delegate* unmanaged[Cdecl]<nint, void> DeleteModel;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, void> ResetData;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, void> Forward;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, void> Step;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, void> RnePostConstraint;
    public readonly delegate* unmanaged[Cdecl]<nint, int, byte*, int> NameToId;

    private MuJoCoLibrary(nint handle)
    {
        Version = (delegate* unmanaged[Cdecl]<int>)Export(handle, "mj_version");
        int version = Version();
        if (version != MuJoCoLayout.Version)
        {
            throw new MuJoCoUnavailableException(
                $"{FileName} reports MuJoCo version {version}, but this binding declares the struct layout of version {MuJoCoLayout.Version} only; install it with `{InstallCommand}`.");
        }
        LoadXml = (delegate* unmanaged[Cdecl]<byte*, nint, byte*, int, nint>)Export(handle, "mj_loadXML");
        DefaultVfs = (delegate* unmanaged[Cdecl]<nint, void>)Export(handle, "mj_defaultVFS");
        MakeEmptyFileVfs = (delegate* unmanaged[Cdecl]<nint, byte*, int, int>)Export(handle, "mj_makeEmptyFileVFS");
        FindFileVfs = (delegate* unmanaged[Cdecl]<nint, byte*, int>)Export(handle, "mj_findFileVFS");
        DeleteVfs = (delegate* unmanaged[Cdecl]<nint, void>)Export(handle, "mj_deleteVFS");
        MakeData = (delegate* unmanaged[Cdecl]<nint, nint>)Export(handle, "mj_makeData");
        DeleteData = (delegate* unmanaged[Cdecl]<nint, void>)Export(handle, "mj_deleteData");
        DeleteModel = (delegate* unmanaged[Cdecl]<nint, void>)Export(handle, "mj_deleteModel");
        ResetData = (delegate* unmanaged[Cdecl]<nint, nint, void>)Export(handle, "mj_resetData");
        Forward = (delegate* unmanaged[Cdecl]<nint, nint, void>)Export(handle, "mj_forward");
        Step = (delegate* unmanaged[Cdecl]<nint, nint, void>)Export(handle, "mj_step");
        RnePostConstraint = (delegate* unmanaged[Cdecl]<nint, nint, void>)Export(handle, "mj_rnePostConstraint");
        NameToId = (delegate* unmanaged[Cdecl]<nint, int, byte*, int>)Export(handle, "mj_name2id");
        // mju_user_warning is a global function pointer: point it at our handler.
        *(nint*)Export(handle, "mju_user_warning") = (nint)(delegate* unmanaged[Cdecl]<byte*, void>)&OnWarning;
    }

    /// <summary>The loaded library; throws <see cref="MuJoCoUnavailableException"/> (every time) when it is missing or another version.</summary>
    public static MuJoCoLibrary Instance => Shared.Value;

    /// <summary>Whether MuJoCo 2.2.2 can be loaded here; <paramref name="reason"/> says why not.</summary>
    public static bool TryLoad(out string reason)
    {
        try
        {
            _ = Instance;
            reason = "";
            return true;
        }
        catch (MuJoCoUnavailableException e)
        {
            reason = e.Message;
            return false;
        }
    }

    /// <summary>The last warning text MuJoCo reported in this process (empty if none).</summary>
    public static string LastWarning { get; private set; } = "";

    /// <summary>Loads <paramref name="fileName"/> (the process uses <see cref="FileName"/>; tests pass a missing name).</summary>
    internal static MuJoCoLibrary Load(string fileName)
    {
        if (!OperatingSystem.IsLinux())
            throw new MuJoCoUnavailableException($"the MuJoCo environments bind Debian's {FileName} and run on Linux only.");
        if (!NativeLibrary.TryLoad(fileName, out nint handle))
            throw new MuJoCoUnavailableException($"MuJoCo 2.2.2 is not installed ({fileName} not found); install it with `{InstallCommand}`.");
        return new MuJoCoLibrary(handle);
    }

    private static nint Export(nint handle, string name) =>
        NativeLibrary.TryGetExport(handle, name, out nint address)
            ? address
            : throw new MuJoCoUnavailableException($"{FileName} has no symbol '{name}'; install MuJoCo 2.2.2 with `{InstallCommand}`.");

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnWarning(byte* message) => LastWarning = Marshal.PtrToStringUTF8((nint)message) ?? "";
}
