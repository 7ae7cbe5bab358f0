// One lock per plug-in. System.Threading.Lock where it exists (.NET 9+), a plain object before.
#if NET9_0_OR_GREATER
global using PluginLock = System.Threading.Lock;
#else
global using PluginLock = System.Object;
#endif

namespace Extism.Sdk.Native;

/// <summary>Entering and leaving a <c>PluginLock</c> on either kind, with a cancellable wait.</summary>
internal static class PluginLocks
{
    // How often a waiter behind another thread's call looks at its token.
    private const int TokenPollMilliseconds = 5;

    /// <summary>
    /// Enters <paramref name="gate"/>. Uncontended it costs what a plain <c>lock</c> costs; behind
    /// another thread's call, a cancellable <paramref name="cancellationToken"/> is observed while
    /// waiting (<see cref="OperationCanceledException"/>, lock not taken).
    /// </summary>
    internal static void Enter(PluginLock gate, CancellationToken cancellationToken)
    {
#if NET9_0_OR_GREATER
        // The parameterless TryEnter is Lock's inlined fast path; TryEnter(0) goes out of line.
        if (gate.TryEnter()) return;
#else
        if (TryEnter(gate, 0)) return;
#endif
        if (!cancellationToken.CanBeCanceled)
        {
            TryEnter(gate, Timeout.Infinite);
            return;
        }
        while (!TryEnter(gate, TokenPollMilliseconds)) cancellationToken.ThrowIfCancellationRequested();
    }

    internal static void Exit(PluginLock gate)
    {
#if NET9_0_OR_GREATER
        gate.Exit();
#else
        Monitor.Exit(gate);
#endif
    }

    private static bool TryEnter(PluginLock gate, int milliseconds)
    {
#if NET9_0_OR_GREATER
        return gate.TryEnter(milliseconds);
#else
        bool taken = false;
        Monitor.TryEnter(gate, milliseconds, ref taken);
        return taken;
#endif
    }
}
