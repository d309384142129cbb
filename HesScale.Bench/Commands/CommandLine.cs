using System.Globalization;

namespace HesScale.Bench.Commands;

/// <summary>A wrong command line: usage problem, reported with exit code 2.</summary>
public sealed class UsageException : Exception
{
    public UsageException() : base("Invalid command line.")
    {
    }

    public UsageException(string message) : base(message)
    {
    }

    /// <summary>An <see cref="ArgumentException"/>'s message without .NET's " (Parameter 'name')" suffix, which names a C# parameter, not an option.</summary>
    public static string Plain(ArgumentException e) =>
        e.ParamName is { } name && e.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal)
            ? e.Message[..^$" (Parameter '{name}')".Length]
            : e.Message;

    public UsageException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>Minimal <c>--name value</c> option parsing shared by the commands.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandLine()
    {
    }

    /// <summary>Parses <c>--name value</c> pairs; every option must be one of <paramref name="known"/>.</summary>
    public static CommandLine Parse(IReadOnlyList<string> args, string command, params string[] known) =>
        Parse(args, command, [], known);

    /// <summary>
    /// As <see cref="Parse(IReadOnlyList{string}, string, string[])"/>, and <c>--flag</c> switches without a
    /// value for every name in <paramref name="flags"/> (read with <see cref="Has"/>).
    /// </summary>
    public static CommandLine Parse(IReadOnlyList<string> args, string command, string[] flags, params string[] known)
    {
        var result = new CommandLine();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
                throw new UsageException($"{command}: unexpected argument '{arg}'.");
            if (flags.Contains(arg[2..], StringComparer.Ordinal))
            {
                result._flags.Add(arg[2..]);
                continue;
            }
            string name = arg[2..];
            string? value = null;
            int eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            if (!known.Contains(name, StringComparer.Ordinal))
                throw new UsageException($"{command}: unknown option '--{name}' (known: {string.Join(", ", known.Select(k => "--" + k))}).");
            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new UsageException($"{command}: option '--{name}' needs a value.");
                value = args[++i];
            }
            if (!result._values.TryAdd(name, value))
                throw new UsageException($"{command}: option '--{name}' given twice.");
        }
        return result;
    }

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v : null;

    /// <summary>Whether the switch <c>--name</c> was given.</summary>
    public bool Has(string name) => _flags.Contains(name);

    /// <summary>Every <c>--name value</c> given, in name order (a sweep's definition is built from them).</summary>
    public IEnumerable<KeyValuePair<string, string>> Values => _values.OrderBy(v => v.Key, StringComparer.Ordinal);

    /// <summary>Every switch given, in name order.</summary>
    public IEnumerable<string> Switches => _flags.Order(StringComparer.Ordinal);

    public string Required(string command, string name) =>
        Get(name) ?? throw new UsageException($"{command}: missing required option '--{name}'.");

    /// <summary>The value of <c>--name</c> as an integer of at least 1, or <paramref name="fallback"/> when absent.</summary>
    public int Positive(string command, string name, int fallback)
    {
        string? text = Get(name);
        if (text is null) return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1
            ? value
            : throw new UsageException($"{command}: --{name} expects an integer of at least 1, got '{text}'.");
    }

    /// <summary><paramref name="text"/>, the value of <c>--name</c>, as an integer of at least 1.</summary>
    public static int PositiveInteger(string command, string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value >= 1
            ? value
            : throw new UsageException($"{command}: --{name} expects a positive integer, got '{text}'.");

    /// <summary>The value of <c>--name</c> as a finite number greater than 0, or <paramref name="fallback"/> when absent.</summary>
    public float PositiveNumber(string command, string name, float fallback)
    {
        string? text = Get(name);
        if (text is null) return fallback;
        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value) && value > 0
            ? value
            : throw new UsageException($"{command}: --{name} expects a finite number greater than 0, got '{text}'.");
    }

    public int Threads(string command) => Threads(command, checkCores: true);

    /// <summary>
    /// As <see cref="Threads(string)"/>; <paramref name="checkCores"/> false skips the core-count check, for a sweep
    /// merged or planned on another machine than the one its tasks run on (a merge job pinned to one core, a login node).
    /// </summary>
    public int Threads(string command, bool checkCores)
    {
        string? text = Get("threads");
        if (text is null) return 0;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int threads))
            throw new UsageException($"{command}: --threads expects a non-negative integer, got '{text}'.");
        // More threads than cores only slows the native path down: a typo, not a setting.
        if (checkCores && threads > Environment.ProcessorCount)
            throw new UsageException($"{command}: --threads {threads} is more than this machine's {Environment.ProcessorCount} cores (0 = all).");
        return threads;
    }
}
