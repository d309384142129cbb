namespace HesScale.Bench.Commands;

/// <summary>
/// What every <c>hesscale</c> command does around its own work: <c>--help</c>, the argument checks, and the
/// error mapping (a <see cref="UsageException"/>: "hesscale NAME: message" and the usage text, exit 2; a
/// reportable error: "hesscale NAME: error: message", exit 1). Anything else is a bug and goes up to
/// <see cref="Program.ReportUnexpected"/>.
/// </summary>
internal static class CommandRunner
{
    /// <summary>
    /// Prints <paramref name="usage"/> and returns 0 when any argument is <c>--help</c> or <c>-h</c>;
    /// otherwise runs <paramref name="body"/> as <see cref="Guard"/> does.
    /// </summary>
    /// <param name="alsoReportable">exceptions besides <see cref="IsReportable"/> that this command reports as one line.</param>
    public static int Run(string command, string usage, string[] args, TextWriter stdout, TextWriter stderr, Func<int> body,
        Func<Exception, bool>? alsoReportable = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        if (args.Any(a => a is "--help" or "-h"))
        {
            stdout.WriteLine(usage);
            return 0;
        }
        return Guard(command, usage, stderr, body, alsoReportable);
    }

    /// <summary>Runs <paramref name="body"/> with the error mapping only (for a command with its own help rule).</summary>
    public static int Guard(string command, string usage, TextWriter stderr, Func<int> body, Func<Exception, bool>? alsoReportable = null)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"hesscale {command}: {Unprefixed(e.Message, command)}");
            stderr.WriteLine(usage);
            return 2;
        }
        catch (Exception e) when (IsReportable(e) || alsoReportable?.Invoke(e) == true)
        {
            stderr.WriteLine($"hesscale {command}: error: {Unprefixed(e.Message, command)}");
            return 1;
        }
    }

    /// <summary>
    /// Exceptions that describe a problem with the input or the machine rather than a bug: reported
    /// as one line, exit 1. Corrupt data files raise <see cref="InvalidDataException"/> (not an
    /// <see cref="IOException"/>), malformed text <see cref="FormatException"/>, diverged values
    /// <see cref="ArithmeticException"/>; a parallel loop wraps one of them in an <see cref="AggregateException"/>.
    /// </summary>
    internal static bool IsReportable(Exception e) => e is AggregateException { InnerExceptions: [var inner] } ? IsReportable(inner) : e is FormatException or IOException or InvalidDataException or UnauthorizedAccessException
        or InvalidOperationException or ArgumentException or NotSupportedException or NotImplementedException or ArithmeticException;

    /// <summary>Messages often start with the command they came from (<see cref="CommandLine"/>); the line printed names it once.</summary>
    private static string Unprefixed(string message, string command) =>
        message.StartsWith(command + ": ", StringComparison.Ordinal) ? message[(command.Length + 2)..] : message;
}
