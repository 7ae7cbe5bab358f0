using CsCheck;

namespace Extism.Sdk.Tests.Resilience;

/// <summary>
/// How the property tests run: case count, seeds, and the invariant every failure must meet.
/// Shared with tests/Extism.Sdk.Soak, which runs the same properties with 10,000 cases.
/// </summary>
public static class Properties
{
    /// <summary>Environment variable with the number of cases per property (default <see cref="DefaultIterations"/>).</summary>
    public const string IterationsVariable = "EXTISM_PROPERTY_ITERATIONS";

    /// <summary>Cases per property when <see cref="IterationsVariable"/> is unset: enough to pass today's break points several times over in CI.</summary>
    public const int DefaultIterations = 300;

    /// <summary>The case count in force.</summary>
    public static long Iterations => long.TryParse(Environment.GetEnvironmentVariable(IterationsVariable), out long n) && n > 0 ? n : DefaultIterations;

    /// <summary>
    /// Runs <paramref name="assert"/> on <paramref name="gen"/>'s cases on one thread (the cases
    /// share plug-ins, as a service would). A failure throws CsCheck's exception, whose message
    /// holds the seed; <see cref="ReplayHint"/> is added so the log says how to run it again.
    /// </summary>
    public static void Check<T>(Gen<T> gen, Action<T> assert, Action<string>? log, Func<T, string>? print = null, long? iterations = null)
    {
        long iter = iterations ?? Iterations;
        try
        {
            gen.Sample(assert, writeLine: log, iter: iter, threads: 1, print: print);
        }
        catch (Exception e) when (e is not ReplayableFailureException)
        {
            throw new ReplayableFailureException($"{e.Message}\n{ReplayHint}", e);
        }
    }

    /// <summary>How to replay a failing case.</summary>
    public const string ReplayHint =
        "Replay: run the same test with the environment variable CsCheck_Seed set to the seed printed above " +
        "(e.g. CsCheck_Seed=<seed> dotnet test --filter <test name>); " + IterationsVariable + " sets the case count.";

    /// <summary>
    /// Null when <paramref name="e"/> is an exception the SDK documents for a failed operation
    /// and its message names the cause; otherwise why it is not.
    /// </summary>
    public static string? UndocumentedFailure(Exception e)
    {
        string message = e.Message;
        if (string.IsNullOrWhiteSpace(message)) return $"{e.GetType().Name} with an empty message";
        switch (e)
        {
            case ExtismException x when x.Kind == ExtismErrorKind.HostFunction:
                // The host's own exception must travel inside, and the message must name the function.
                return x.InnerException is null ? "HostFunction failure without InnerException"
                    : message.Contains("Host function '", StringComparison.Ordinal) ? null : $"HostFunction message names no function: {message}";
            case ExtismException x when x.Kind == ExtismErrorKind.Unknown && x.ReturnCode is null:
                return $"ExtismException of kind Unknown without a return code: {message}";
            case ExtismException:
                return null;
            case OperationCanceledException:
                return message.Contains("cancel", StringComparison.OrdinalIgnoreCase) ? null : $"cancellation message does not say so: {message}";
            case ObjectDisposedException:
                return null;
            case ArgumentException a:
                return a.ParamName is null && !message.Contains('\'') ? $"ArgumentException naming nothing: {message}" : null;
            default:
                return $"undocumented exception {FailureMatrix.Describe(e)}";
        }
    }

    /// <summary>Throws when <paramref name="e"/> is not a documented failure (see <see cref="UndocumentedFailure"/>).</summary>
    public static void RequireDocumented(Exception e, string context)
    {
        if (UndocumentedFailure(e) is { } why) throw new PropertyViolationException($"{context}: {why}", e);
    }
}

/// <summary>A property failure, with CsCheck's seed and how to replay it in the message.</summary>
public sealed class ReplayableFailureException(string message, Exception inner) : Exception(message, inner);

/// <summary>A case broke an invariant (as opposed to an exception the SDK threw, which the property checks).</summary>
public sealed class PropertyViolationException(string message, Exception? inner = null) : Exception(message, inner);
