using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Extism.Sdk.Diagnostics;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// A loaded plug-in instance. Safe to share between threads: calls on one instance are serialised
/// (a plug-in runs one call at a time); for parallelism use several instances, e.g. from one
/// <see cref="CompiledPlugin"/>. Dispose it to free the native instance; disposing while another
/// thread is in a call is safe (the instance is freed when that call returns).
/// Self-healing: after a call that aborted guest code mid-flight, the next operation runs on a
/// fresh native instance made from the plug-in's compiled code, with everything configured
/// carried over and the guest's own state (memory, globals, vars) starting afresh; see
/// <see cref="PluginInitializationOptions.RecycleAfterFailure"/> and <see cref="RecycleCount"/>.
/// </summary>
// This file holds all of a plug-in's state, its constructors and the one call path (CallCore).
// The other Plugin.*.cs files only hold public overloads that forward here.
public sealed unsafe partial class Plugin : IDisposable
{
    // The native instance every operation uses; one field, read once per operation under _lock
    // (Native), and replaced there after a poisoning call when _recycleFrom is set.
    private PluginHandle _native;
    // The compiled code fresh instances come from; null when self-healing is off or unavailable.
    private readonly InstanceSource? _recycleFrom;
    private long _recycleCount;
    private string? _poisonReason; // why the last call poisoned the instance (CallOutcome.ReasonName)
    // Instances of one CompiledPlugin share its engine, and an interrupt reaches all of them.
    private readonly CompiledPlugin? _source;
    // Serialises every operation on the native instance (libextism's calls lock, its queries do not).
    private readonly PluginLock _lock = new();
    // What host-function trampolines record during a call on this plug-in.
    private readonly CallContext _context;
    private readonly CallCancellation _cancellation;
    // Cancels libextism may deliver after their call ended (LateCancel.cs); used under _lock.
    private LateCancel _lateCancel;
    private long _strayInterruptRepeats;
    // The manifest's timeout, to tell a call's own timeout from a late cancel; known when the
    // plug-in was made from a Manifest object (directly or through a CompiledPlugin).
    private TimeSpan? _timeout;
    private bool _timeoutKnown;
    // Queues asynchronous callers without blocking threads (Plugin.Async.cs); created on first use.
    private SemaphoreSlim? _asyncGate;
    // The UTF-8 of the export names this plug-in is called with (Native/Utf8String.cs); shared
    // with its CompiledPlugin's other instances.
    private readonly ExportNameCache _exportNames;
    // The buffer behind the span that the compat Call overloads return (Plugin.Calls.cs).
    private byte[] _output = [];
    private int _disposed;

    /// <summary>Creates a plug-in from a manifest.</summary>
    /// <param name="manifest">The modules and permissions; validated here, before libextism sees it.</param>
    /// <param name="functions">Host functions the plug-in may import; each can also be used by other plug-ins.</param>
    /// <param name="options">WASI and fuel.</param>
    /// <exception cref="ArgumentException">The manifest is invalid; the message names the field.</exception>
    /// <exception cref="ExtismException">libextism could not compile, link or instantiate it (<see cref="ExtismErrorKind.Creation"/>).</exception>
    public Plugin(Manifest manifest, HostFunction[] functions, PluginInitializationOptions options)
        : this(CreateFromManifest(manifest, functions, options ?? throw new ArgumentNullException(nameof(options))))
    {
        _timeout = manifest.EffectiveTimeout;
        _timeoutKnown = true;
    }

    /// <summary>Creates a plug-in from a manifest (Extism.Sdk 1.x options type).</summary>
    /// <inheritdoc cref="Plugin(Manifest, HostFunction[], PluginInitializationOptions)"/>
    public Plugin(Manifest manifest, HostFunction[] functions, PluginIntializationOptions options)
        : this(manifest, functions, (PluginInitializationOptions)options)
    {
    }

    /// <summary>Creates a plug-in from a manifest, with or without WASI.</summary>
    /// <inheritdoc cref="Plugin(Manifest, HostFunction[], PluginInitializationOptions)"/>
    public Plugin(Manifest manifest, HostFunction[] functions, bool withWasi)
        : this(manifest, functions, new PluginInitializationOptions { WithWasi = withWasi })
    {
    }

    /// <summary>
    /// Creates a plug-in from a wasm binary (or WAT text starting with <c>(module</c>, or manifest
    /// JSON/TOML bytes). The bytes are only read during this call.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="wasm"/> is empty.</exception>
    /// <exception cref="ExtismException">libextism could not compile, link or instantiate it.</exception>
    public Plugin(ReadOnlySpan<byte> wasm, HostFunction[] functions, bool withWasi)
        : this(wasm, functions, new PluginInitializationOptions { WithWasi = withWasi })
    {
    }

    /// <summary>Creates a plug-in from a wasm binary with WASI and fuel options.</summary>
    /// <inheritdoc cref="Plugin(ReadOnlySpan{byte}, HostFunction[], bool)"/>
    public Plugin(ReadOnlySpan<byte> wasm, HostFunction[] functions, PluginInitializationOptions options)
        : this(CreateFromBytes(wasm, functions, options ?? throw new ArgumentNullException(nameof(options))))
    {
    }

    private Plugin((PluginHandle Native, InstanceSource? RecycleFrom) created)
        : this(created.Native, null, created.RecycleFrom)
    {
    }

    /// <summary>Wraps a new native instance; <paramref name="source"/> is set for instances made by <see cref="CompiledPlugin.Instantiate()"/>.</summary>
    // Host-function definitions need no reference here: each registration's GCHandle keeps its
    // definition alive until libextism frees the native function.
    internal Plugin(PluginHandle native, CompiledPlugin? source, InstanceSource? recycleFrom)
    {
        _native = native;
        _source = source;
        _recycleFrom = recycleFrom;
        _context = new CallContext(this);
        _cancellation = new CallCancellation(this);
        _exportNames = source?.ExportNames ?? new ExportNameCache();
        if (source is not null)
        {
            _timeout = source.ManifestTimeout;
            _timeoutKnown = source.TimeoutKnown;
        }
    }

    /// <summary>
    /// The runtime's id of the native instance in use (the same UUID libextism prints in log
    /// lines). Self-healing replaces the instance, so after a recycle (see <see cref="RecycleCount"/>)
    /// this is the new instance's id: it keeps matching the log lines, and is not a stable key.
    /// </summary>
    public Guid Id => Volatile.Read(ref _native).Id;

    /// <summary>
    /// How many times this plug-in replaced its native instance after a call that aborted guest
    /// code mid-flight (see <see cref="PluginInitializationOptions.RecycleAfterFailure"/>). The
    /// replacement happens at the next operation after such a call.
    /// </summary>
    public long RecycleCount => Interlocked.Read(ref _recycleCount);

    /// <summary>True when an interrupt of this instance could reach another live instance (same compiled plug-in).</summary>
    internal bool SharesEngine => _source is { LiveInstances: > 1 };

    /// <summary>
    /// True when an interrupt sent now could land on another instance: a live sibling, or the
    /// replacement self-healing will make on the same engine (a cancel that arrives after the call
    /// ended waits for the engine's next epoch check, which is the replacement's instantiation).
    /// </summary>
    internal bool InterruptCanReachAnotherInstance => _recycleFrom is not null || SharesEngine;

    /// <summary>Made by <see cref="CompiledPlugin.Instantiate()"/>: its engine is (or was) shared with any siblings.</summary>
    internal bool FromCompiledPlugin => _source is not null;

    /// <summary>The native instance in use. Changes only under the plug-in's lock, between calls.</summary>
    internal PluginHandle CurrentInstance => Volatile.Read(ref _native);

    internal CallCancellation Cancellation => _cancellation;

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// The last call ended in a way that aborted guest code mid-flight (<see cref="CallOutcome.PoisonsInstance"/>);
    /// a pool discards such an instance instead of reusing it.
    /// </summary>
    internal bool LastCallLeftInstanceUnusable { get; private set; }

    /// <summary>
    /// Interrupts the call running on this plug-in, if any, from any thread. The call throws
    /// <see cref="OperationCanceledException"/>; the plug-in stays usable. Nothing is remembered
    /// for later calls. Instances of one <see cref="CompiledPlugin"/> share an engine, so libextism
    /// interrupts every one of them that is mid-call at that moment.
    /// </summary>
    /// <remarks>
    /// libextism may deliver a cancel after its call has ended on its own (its timer thread reads
    /// the request late on a loaded machine); it then interrupts this plug-in's next call. With
    /// self-healing on, a call that fails that way within two seconds of a cancel (an interruption
    /// it did not ask for, before its own manifest timeout) is run once more on a fresh instance.
    /// </remarks>
    /// <returns>True when a call was running.</returns>
    public bool Cancel() => _cancellation.Request();

    /// <summary>
    /// The one call path, top to bottom: input bytes in, the plug-in's lock, the native call, its
    /// outcome, and the output handed to <paramref name="consumer"/> before anything else can touch
    /// the plug-in. Generic over a struct consumer so every output path is specialised and
    /// allocation-free. Every public call method of Plugin and PluginPool ends up here.
    /// </summary>
    // traced: false when the caller (a pool, which may repeat the call) records its telemetry itself.
    // SkipLocalsInit: the name's stack buffer is written before it is read; zeroing 256 bytes on
    // every call is waste (here and in the overloads that encode a string input on the stack).
    [SkipLocalsInit]
    internal void CallCore<TConsumer>(string functionName, ReadOnlySpan<byte> input, object? hostContext, CancellationToken cancellationToken, ref TConsumer consumer, bool traced = true)
        where TConsumer : struct, IOutputConsumer
    {
        // 1. Bytes in: the export's name as NUL-terminated UTF-8 (input is used as given).
        using var name = new Utf8String(functionName, nameof(functionName), stackalloc byte[Utf8String.StackSize], _exportNames);
        PluginLock gate = EnterLock();
        cancellationToken.ThrowIfCancellationRequested();
        GCHandle context = default;
        PluginHandle? native = null;
        bool locked = false, referenced = false;
        // Metrics and the activity (Diagnostics/): an inert struct when nobody listens.
        CallScope telemetry = traced ? ExtismTelemetry.StartCall(functionName, this) : default;
        try
        {
            // 2. The lock (waiting for it observes the token), held for the whole sequence, so a
            //    concurrent Dispose cannot free the instance between the call and the reads of its
            //    output and error; a poisoned instance is replaced here (Native).
            PluginLocks.Enter(gate, cancellationToken);
            locked = true;
            if (hostContext is not null)
            {
                context = GCHandle.Alloc(hostContext);
                LeakTracker.HostContext(+1);
            }
            long opened = _lateCancel.Open(); // 0 unless this plug-in sent a cancel lately
            NativePlugin* plugin;
            for (bool repeated = false; ; repeated = true)
            {
                native = Native;
                native.DangerousAddRef(ref referenced);
                plugin = (NativePlugin*)native.DangerousGetHandle();
                // 3. The native call.
                int rc = Invoke(plugin, name.Span, input, context, cancellationToken);
                native.CallsFinished++; // under the lock; CallOutcome tells a first call's lazy instantiation apart
                byte* error = Interop.extism_plugin_error(plugin);
                // 4. The outcome: the call's result is known here (success, or the exception it is).
                LastCallLeftInstanceUnusable = false;
                if (rc == 0 && error is null && !_context.Failed) break;
                Exception failure = CallOutcome.ToException(functionName, rc, error, _context, _cancellation.Requested, cancellationToken);
                if (CallOutcome.PoisonsInstance(failure))
                {
                    LastCallLeftInstanceUnusable = true;
                    _poisonReason = CallOutcome.ReasonName(failure);
                }
                // Neither an instantiation that a stray interrupt broke before the export ran, nor
                // a late cancel of an earlier call (LateCancel.cs), is this call's failure: run it
                // once more, on the fresh instance Native makes.
                // Never when this call's own cancel was asked for: that is the call's outcome.
                if (repeated || _recycleFrom is null || _cancellation.Requested) throw failure;
                if (!LateCancel.IsInterruptedInstantiation(failure) && !LateCancel.Explains(failure, opened, _timeoutKnown, _timeout)) throw failure;
                native.DangerousRelease();
                referenced = false;
                Interlocked.Increment(ref _strayInterruptRepeats);
            }
            // 5. The output, read in place and handed to the consumer under the lock.
            // The guest can forge the output's length (the kernel keeps it in the guest's memory):
            // the range is checked against the memory the instance really has.
            ulong length = Interop.extism_plugin_output_length(plugin);
            byte* data = length == 0 ? null : Interop.extism_plugin_output_data(plugin);
            if (length != 0 && !native.Memory.ContainsOutput(data, length)) ThrowInvalidOutput(functionName, length);
            if (length > int.MaxValue) ThrowOutputTooLarge(functionName, length);
            consumer.Consume(new ReadOnlySpan<byte>(data, (int)length));
            telemetry.Complete(null);
        }
        catch (Exception e) when (telemetry.Failed(e))
        {
            // Never runs: the filter records the failure and lets the exception pass.
        }
        finally
        {
            // libextism replaces the store (and the kernel memory) at the next call after a call
            // to _start (plugin.rs store_needs_reset): what is known of this memory ends once the
            // call's own output has been read.
            if (native is not null && name.Span.Length == 7 && name.Span.StartsWith("_start\0"u8)) native.MemoryIfMade?.StoreWillBeReplaced();
            if (referenced) native!.DangerousRelease();
            if (locked)
            {
                // A host function's failure has been reported by now; forget it before the lock is
                // let go (the next call starts clear, and CallContext.AnyFailed goes back to false).
                _context.Clear();
                PluginLocks.Exit(gate);
            }
            if (context.IsAllocated)
            {
                context.Free();
                LeakTracker.HostContext(-1);
            }
        }
    }

    // An invalid output means the guest corrupted its Extism memory: the instance is not trusted again.
    [DoesNotReturn]
    private void ThrowInvalidOutput(string functionName, ulong length)
    {
        LastCallLeftInstanceUnusable = true;
        _poisonReason = CallOutcome.ReasonName(ExtismErrorKind.InvalidOutput);
        throw new ExtismException(
            $"Plug-in function '{functionName}' returned an output of {length} bytes that lies outside its memory; its Extism memory headers are corrupt or forged.",
            ExtismErrorKind.InvalidOutput, 0);
    }

    // A throw helper, so that the message's formatting (and its stack space) stays out of every call's frame.
    [DoesNotReturn]
    private static void ThrowOutputTooLarge(string functionName, ulong length)
        => throw new ExtismException($"Plug-in function '{functionName}' returned {length} bytes, more than a .NET span can hold.", ExtismErrorKind.Unknown, 0);

    /// <summary>Step 3 of <see cref="CallCore"/>: the native call, with the call marked as running for cancels and host functions.</summary>
    private int Invoke(NativePlugin* plugin, Span<byte> name, ReadOnlySpan<byte> input, GCHandle hostContext, CancellationToken cancellationToken)
    {
        CancellationTokenRegistration registration = default;
        _cancellation.Begin();
        CallContext? outer = CallContext.Enter(_context);
        try
        {
            if (cancellationToken.CanBeCanceled)
            {
                registration = cancellationToken.UnsafeRegister(static state => ((CallCancellation)state!).Request(), _cancellation);
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
            _cancellation.End();
            registration.Dispose();
            _lateCancel.CallEnded(_cancellation.Sent);
        }
    }

    /// <summary>
    /// Checks that the plug-in can be entered by this thread and returns its lock. A host function
    /// of this plug-in calling back into it would deadlock in libextism; refuse it instead.
    /// </summary>
    private PluginLock EnterLock()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (ProcessLogging.IsDraining) throw new InvalidOperationException("A logging sink cannot call a plug-in: libextism holds its log lock while draining.");
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
    /// The native instance for this operation; the caller holds the lock. After a call that
    /// poisoned the instance, and with self-healing on, it is first replaced: a fresh instance from
    /// the kept compiled code, with the configuration changes applied, and the old one freed.
    /// </summary>
    private PluginHandle Native => LastCallLeftInstanceUnusable && _recycleFrom is not null ? Recycle() : _native;

    /// <summary>True when the main module exports <paramref name="name"/> with a callable signature (no parameters; no result or one i32).</summary>
    public bool FunctionExists(string name)
    {
        using var utf8 = new Utf8String(name, nameof(name));
        lock (EnterLock())
        {
            fixed (byte* p = utf8.Span) return Interop.extism_plugin_function_exists(Native, p);
        }
    }

    /// <summary>Frees all Extism memory blocks of the last call (its output included). Returns false if the runtime failed to.</summary>
    public bool Reset()
    {
        lock (EnterLock()) return Interop.extism_plugin_reset(Native);
    }

    /// <summary>Lets the plug-in read response headers of its <c>http_request</c> calls. Call it before the first call.</summary>
    public void AllowHttpResponseHeaders()
    {
        lock (EnterLock())
        {
            Interop.extism_plugin_allow_http_response_headers(Native);
            _recycleFrom?.RecordHttpHeaders();
        }
    }

    /// <summary>Merges a JSON object of string (or null, to remove) values into the plug-in's config. Returns false if it is not such an object.</summary>
    public bool UpdateConfig(ReadOnlySpan<byte> json)
    {
        byte dummy = 0;
        lock (EnterLock())
        {
            bool accepted;
            fixed (byte* p = json) accepted = Interop.extism_plugin_config(Native, p is null ? &dummy : p, (ulong)json.Length);
            if (accepted) _recycleFrom?.RecordConfig(json);
            return accepted;
        }
    }

    /// <summary>
    /// Frees the native instance. Idempotent. A call running on another thread finishes first;
    /// later calls throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _source?.InstanceDisposed();
        // SafeHandle reference counting defers the native free until in-flight calls release it.
        Volatile.Read(ref _native).Dispose();
        _recycleFrom?.Dispose();
    }
}
