using System.Runtime.InteropServices;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>Receives a call's output while the plug-in's lock is held; the span dies when Consume returns.</summary>
internal interface IOutputConsumer
{
    void Consume(ReadOnlySpan<byte> output);
}

public sealed unsafe partial class Plugin
{
    private const string BacktracePrefix = "error while executing at wasm backtrace";
    private readonly PluginLock _lock = new();

    /// <summary>
    /// The last call ended in a way that may leave guest state inconsistent (trap, timeout,
    /// cancel, fuel or memory exhausted, host-function failure, unknown runtime error); a pool
    /// discards such an instance instead of reusing it.
    /// </summary>
    internal bool LastCallLeftInstanceUnusable { get; private set; }

    /// <summary>
    /// Checks that the plug-in can be entered by this thread and returns its lock. A host function
    /// of this plug-in calling back into it would deadlock in libextism; refuse it instead.
    /// </summary>
    private PluginLock EnterLock()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (IsDraining) throw new InvalidOperationException("A logging sink cannot call a plug-in: libextism holds its log lock while draining.");
#if NET9_0_OR_GREATER
        bool held = _lock.IsHeldByCurrentThread;
#else
        bool held = Monitor.IsEntered(_lock);
#endif
        if (held)
        {
            throw new InvalidOperationException(
                "Re-entrant call: a host function tried to use the plug-in that is running it. A plug-in runs one call at a time; call a different plug-in instance instead.");
        }
        return _lock;
    }

    /// <summary>
    /// The one call path: validates, takes the lock, calls, maps failures to exceptions, and hands
    /// the output to <paramref name="consumer"/> before anything else can touch the plug-in.
    /// Generic over a struct consumer so that every output path is specialised and allocation-free.
    /// </summary>
    internal void CallCore<TConsumer>(string functionName, ReadOnlySpan<byte> input, object? hostContext, CancellationToken cancellationToken, ref TConsumer consumer)
        where TConsumer : struct, IOutputConsumer
    {
        using var name = new Utf8String(functionName, nameof(functionName), stackalloc byte[Utf8String.StackSize]);
        PluginLock gate = EnterLock();
        cancellationToken.ThrowIfCancellationRequested();
        GCHandle context = hostContext is null ? default : GCHandle.Alloc(hostContext);
        bool referenced = false;
        try
        {
            lock (gate)
            {
                // Held for the whole sequence, so a concurrent Dispose cannot free the plug-in
                // between the call and the reads of its output and error.
                _handle.DangerousAddRef(ref referenced);
                NativePlugin* plugin = (NativePlugin*)_handle.DangerousGetHandle();
                int rc = Invoke(plugin, name.Span, input, context, cancellationToken);
                byte* error = Interop.extism_plugin_error(plugin);
                LastCallLeftInstanceUnusable = false;
                if (rc != 0 || error is not null || _context.Failed)
                {
                    Exception failure = MapFailure(functionName, rc, error, cancellationToken);
                    LastCallLeftInstanceUnusable = failure is OperationCanceledException
                        || (failure is ExtismException { Kind: not (ExtismErrorKind.GuestError or ExtismErrorKind.NonZeroReturnCode or ExtismErrorKind.FunctionNotFound) });
                    throw failure;
                }
                ulong length = Interop.extism_plugin_output_length(plugin);
                if (length > int.MaxValue)
                {
                    throw new ExtismException($"Plug-in function '{functionName}' returned {length} bytes, more than a .NET span can hold.", ExtismErrorKind.Unknown, rc);
                }
                byte* data = length == 0 ? null : Interop.extism_plugin_output_data(plugin);
                consumer.Consume(new ReadOnlySpan<byte>(data, (int)length));
            }
        }
        finally
        {
            if (referenced) _handle.DangerousRelease();
            if (context.IsAllocated) context.Free();
        }
    }

    private int Invoke(NativePlugin* plugin, Span<byte> name, ReadOnlySpan<byte> input, GCHandle hostContext, CancellationToken cancellationToken)
    {
        CancellationTokenRegistration registration = default;
        BeginCall();
        CallContext? outer = CallContext.Enter(_context);
        try
        {
            if (cancellationToken.CanBeCanceled)
            {
                registration = cancellationToken.UnsafeRegister(static state => ((Plugin)state!).RequestCancel(), this);
            }
            byte empty = 0;
            void* context = hostContext.IsAllocated ? (void*)GCHandle.ToIntPtr(hostContext) : null;
            fixed (byte* namePtr = name)
            fixed (byte* inputPtr = input)
            {
                // libextism turns (ptr, len) into a slice first, so never hand it NULL, even for len 0.
                byte* data = inputPtr is null ? &empty : inputPtr;
                return Interop.extism_plugin_call_with_host_context(plugin, namePtr, data, (ulong)input.Length, context);
            }
        }
        finally
        {
            CallContext.Exit(outer);
            EndCall();
            registration.Dispose();
        }
    }

    /// <summary>Builds the exception for a failed call. Must run under the lock, right after the call.</summary>
    private Exception MapFailure(string functionName, int rc, byte* error, CancellationToken cancellationToken)
    {
        string? message = error is null ? null : Marshal.PtrToStringUTF8((IntPtr)error);
        if (_context.Failed)
        {
            // Whatever libextism says (a type error, a timeout from our own stop), the cause is the host function.
            Exception inner = _context.HostException!;
            return new ExtismException(
                $"Host function '{_context.FailedFunction}' threw {inner.GetType().Name} while plug-in function '{functionName}' was running: {inner.Message}",
                ExtismErrorKind.HostFunction, rc, inner);
        }
        bool interrupted = rc == 134 && message == "timeout";
        if (interrupted && _cancelRequested)
        {
            return cancellationToken.IsCancellationRequested
                ? new OperationCanceledException($"The call to '{functionName}' was cancelled.", cancellationToken)
                : new OperationCanceledException($"The call to '{functionName}' was cancelled by Plugin.Cancel().");
        }
        if (interrupted) return new ExtismTimeoutException("timeout", rc);
        if (message is null) return new ExtismException($"Plug-in function '{functionName}' returned non-zero code {rc}.", ExtismErrorKind.NonZeroReturnCode, rc);
        if (message == "plugin ran out of fuel") return new ExtismFuelExhaustedException(message, rc);
        if (message == "oom" || message.StartsWith("failed to allocate extism memory", StringComparison.Ordinal)) return new ExtismOutOfMemoryException(message, rc);
        if (rc == -1 && message.StartsWith("Function not found", StringComparison.Ordinal))
        {
            return new ExtismException($"{message} (the plug-in has no callable export '{functionName}').", ExtismErrorKind.FunctionNotFound, rc);
        }
        // A WASI proc_exit(N) returns N with wasmtime's backtrace text (the exit status itself is
        // not in it); a guest that sets its own error message does not produce that text.
        if (rc is not (-1 or 0 or 134) && message.StartsWith(BacktracePrefix, StringComparison.Ordinal))
        {
            return new ExtismExitException($"Plug-in function '{functionName}' exited with status {rc}. {message}", rc);
        }
        if (rc == 134) return new ExtismTrapException(message, rc);
        if (rc != -1)
        {
            // The guest set an error (possibly while returning 0, which alone would look like success).
            string text = message.Length == 0 ? $"Plug-in function '{functionName}' set an empty error message (code {rc})." : message;
            return new ExtismException(text, ExtismErrorKind.GuestError, rc);
        }
        return new ExtismException(message, ExtismErrorKind.Unknown, rc);
    }
}
