using System.Text;

namespace Extism.Sdk.Tests.Resilience;

/// <summary>The ways a call can be aborted in the middle of guest code.</summary>
public enum FailureKind
{
    HostFunctionThrows,
    Trap,
    ManifestTimeout,
    TokenCancel,
    PluginCancel,
    Fuel,
    MemoryLimit,
    WasiExit,
}

/// <summary>What the failing calls run on.</summary>
public enum MatrixHost
{
    Plugin,
    CompiledInstance,
    Pool,
}

/// <summary>The test guests that keep frames in linear memory (tests/plugins/README.md).</summary>
public enum MatrixGuest
{
    /// <summary>frames.wasm: C, 32 KiB shadow stack; needs WASI.</summary>
    C,
    /// <summary>frames_as.wasm: AssemblyScript with @extism/as-pdk, 1 KiB shadow stack.</summary>
    AssemblyScript,
}

/// <summary>The thrown exception a host function throws on purpose.</summary>
public sealed class InjectedFailureException(string message) : Exception(message);

/// <summary>One cell of the matrix: how the failing calls went and what the normal call after them did.</summary>
/// <param name="Failures">Failing calls made.</param>
/// <param name="Correct">Failing calls that reported their own kind (host failures with the thrown exception inside).</param>
/// <param name="FirstWrong">The first failing call that did not, as "#index: what happened"; null when all did.</param>
/// <param name="NormalCall">"ok", or what the normal call after them threw.</param>
/// <param name="Lost">Timeouts libextism lost at a call's start (ended by the fuel backstop instead); counted as correct.</param>
/// <param name="Recycles">Plugin.RecycleCount after the normal call (null for a pool, whose instances are its own business).</param>
public sealed record MatrixOutcome(int Failures, int Correct, string? FirstWrong, string NormalCall, int Lost = 0, long? Recycles = null)
{
    /// <summary>
    /// Every failing call right and the normal call after them succeeded. Lost timeouts are a
    /// libextism matter, not recycling's: measured 0 to 6 in 100 (and 0.2% to 1.2% over 500) with
    /// the machine's load at 30 on 2 cores; bounded at 15% so a broken timeout still fails here.
    /// </summary>
    public bool Passed => Correct == Failures && Lost <= Math.Max(1, Failures * 15 / 100) && NormalCall == "ok";

    /// <inheritdoc/>
    public override string ToString()
        => $"{Correct}/{Failures} failing calls reported their own kind{(Lost > 0 ? $" ({Lost} lost timeouts ended by fuel)" : "")}{(FirstWrong is null ? "" : $" (first wrong {FirstWrong})")}; normal call after: {NormalCall}{(Recycles is null ? "" : $"; recycles {Recycles}")}";
}

/// <summary>
/// Drives one cell of the failure matrix: many consecutive failing calls of one kind on one
/// plug-in (plain, a compiled plug-in's instance, or a pool of one), then a normal call. Shared
/// by the xunit tests (small counts) and tests/Extism.Sdk.Soak (5,000 per cell).
/// </summary>
public static class FailureMatrix
{
    /// <summary>
    /// Per-call manifest timeout for <see cref="FailureKind.ManifestTimeout"/>. Not shorter: after
    /// a failure the next call instantiates a fresh instance inside the timed window, and a timer
    /// that fires then is lost by libextism (see <see cref="TimeoutBackstopFuel"/>); with 5 ms,
    /// 3 of 40 timeouts were lost on a loaded machine.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(20);

    /// <summary>Fuel for <see cref="FailureKind.Fuel"/>: a spin uses it up in about a millisecond; a normal call needs far less.</summary>
    public const long SmallFuel = 2_000_000;

    /// <summary>Fuel backstop for the cancel kinds: should a cancel ever be lost, the spin ends (as a wrong kind) instead of hanging.</summary>
    public const long BackstopFuel = 3_000_000_000;

    /// <summary>
    /// Fuel backstop for <see cref="FailureKind.ManifestTimeout"/>: libextism 1.41 can lose a
    /// timeout whose timer fires while a call is still starting (the race README.md describes for
    /// cancels; seen here on an overloaded machine as a spin that never ended). Such a call then
    /// ends by fuel after about 0.1 s instead of hanging, and is counted apart.
    /// </summary>
    public const long TimeoutBackstopFuel = 200_000_000;

    /// <summary>memory.max_pages for <see cref="FailureKind.MemoryLimit"/>; each failing call asks for more.</summary>
    public const int MaxPages = 40;

    /// <summary>True when the guest can fail that way (the AssemblyScript guest has no WASI, so no exit).</summary>
    public static bool Applies(MatrixGuest guest, FailureKind kind) => !(guest == MatrixGuest.AssemblyScript && kind == FailureKind.WasiExit);

    /// <summary>Runs <paramref name="failures"/> failing calls of <paramref name="kind"/>, then a normal call.</summary>
    /// <param name="recycle">PluginInitializationOptions.RecycleAfterFailure (false: the pre-#16 behaviour, for showing what it did).</param>
    public static MatrixOutcome Run(MatrixGuest guest, FailureKind kind, MatrixHost host, int failures, bool recycle = true)
    {
        using var op = new HostOp();
        using CallTarget target = CallTarget.Create(guest, kind, host, op, recycle);
        int correct = 0, lost = 0;
        string? firstWrong = null;
        for (int i = 1; i <= failures; i++)
        {
            op.Prepare(HostOp.ModeFor(kind), i);
            Exception? e = FailOnce(target, kind, op);
            string? wrong = Check(guest, kind, e, op, i);
            if (wrong is null && kind == FailureKind.ManifestTimeout && e is ExtismFuelExhaustedException) lost++;
            if (wrong is null) correct++;
            else firstWrong ??= $"#{i}: {wrong}";
        }
        string normal = NormalCall(target, op);
        return new MatrixOutcome(failures, correct, firstWrong, normal, lost, target.RecycleCount);
    }

    /// <summary>The call that must work after the failures: the host function echoes, the guest outputs what it got.</summary>
    public static string NormalCall(CallTarget target, HostOp op)
    {
        op.Prepare(HostOp.Echo, 0);
        try
        {
            byte[] viaHost = target.Call("call_host", "after the failures"u8.ToArray(), default);
            if (Encoding.UTF8.GetString(viaHost) != "after the failures") return $"call_host returned '{Encoding.UTF8.GetString(viaHost)}'";
            byte[] echoed = target.Call("echo", "echo"u8.ToArray(), default);
            return Encoding.UTF8.GetString(echoed) == "echo" ? "ok" : $"echo returned '{Encoding.UTF8.GetString(echoed)}'";
        }
        catch (Exception e)
        {
            return Describe(e);
        }
    }

    private static Exception? FailOnce(CallTarget target, FailureKind kind, HostOp op)
    {
        switch (kind)
        {
            case FailureKind.HostFunctionThrows:
                return Catch(() => target.Call("call_host", "payload"u8.ToArray(), default));
            case FailureKind.Trap:
                return Catch(() => target.Call("trap", [], default));
            case FailureKind.ManifestTimeout:
            case FailureKind.Fuel:
                return Catch(() => target.Call("spin", [], default));
            case FailureKind.MemoryLimit:
                // More 64 KiB blocks than max_pages allows, whatever the instance already holds.
                return Catch(() => target.Call("grow", BitConverter.GetBytes((uint)MaxPages * 2), default));
            case FailureKind.WasiExit:
                return Catch(() => target.Call("exit_3", [], default));
            case FailureKind.TokenCancel:
            {
                using var cts = new CancellationTokenSource();
                Task<Exception?> call = Task.Run(() => Catch(() => target.Call("spin", [], cts.Token)));
                // Cancel only once the guest is inside its export (host_op signalled), clear of
                // libextism's start-of-call race; a call that fails before that is not waited for.
                WaitUntilRunning(op, call);
                cts.Cancel();
                return call.GetAwaiter().GetResult();
            }
            case FailureKind.PluginCancel:
                return target.WithPlugin(plugin =>
                {
                    Task<Exception?> call = Task.Run(() => Catch(() => plugin.Call("spin", []).ToArray()));
                    WaitUntilRunning(op, call);
                    while (!call.IsCompleted && !plugin.Cancel()) Thread.Yield();
                    return call.GetAwaiter().GetResult();
                });
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    private static void WaitUntilRunning(HostOp op, Task call)
    {
        Task running = op.Running.WaitAsync();
        if (Task.WaitAny([running, call], TimeSpan.FromSeconds(30)) < 0) throw new TimeoutException("the spin neither started nor failed within 30 s");
    }

    /// <summary>Null when <paramref name="e"/> is exactly what a call failing with <paramref name="kind"/> must throw, else what it was.</summary>
    private static string? Check(MatrixGuest guest, FailureKind kind, Exception? e, HostOp op, int i)
    {
        bool right = kind switch
        {
            FailureKind.HostFunctionThrows => e is ExtismException { Kind: ExtismErrorKind.HostFunction, InnerException: InjectedFailureException inner }
                && inner.Message == $"injected {i}" && e.Message.Contains("host_op", StringComparison.Ordinal),
            // The C guest traps on `unreachable` below leaf_trap; an overflowing shadow stack traps
            // too, but out of bounds in the prologue, so the backtrace must name the frame that traps.
            FailureKind.Trap => guest == MatrixGuest.C
                ? e is ExtismTrapException && e.Message.Contains("leaf_trap", StringComparison.Ordinal)
                : e is ExtismException && e.Message.StartsWith("abort: trap requested", StringComparison.Ordinal),
            FailureKind.ManifestTimeout => e is ExtismTimeoutException || (e is ExtismFuelExhaustedException && op.Signalled),
            FailureKind.TokenCancel => e is OperationCanceledException { CancellationToken.IsCancellationRequested: true } && op.Signalled,
            FailureKind.PluginCancel => e is OperationCanceledException && e.Message.Contains("Plugin.Cancel", StringComparison.Ordinal) && op.Signalled,
            FailureKind.Fuel => e is ExtismFuelExhaustedException && op.Signalled,
            FailureKind.MemoryLimit => e is ExtismOutOfMemoryException,
            FailureKind.WasiExit => e is ExtismExitException { ExitCode: 3 },
            _ => false,
        };
        return right ? null : e is null ? "no exception" : Describe(e) + (op.Signalled ? "" : " (export never reached host_op)");
    }

    /// <summary>Exception type, kind and the first line of its message, for tables and assertion messages.</summary>
    public static string Describe(Exception e)
    {
        string message = e.Message.Split('\n')[0];
        if (message.Length > 120) message = message[..120] + "…";
        string kind = e is ExtismException x ? $" {x.Kind}" : "";
        return $"{e.GetType().Name}{kind}: {message}";
    }

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
