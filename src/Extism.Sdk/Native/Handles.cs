using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Extism.Sdk.Native;

// Each native object that must be freed lives in a sealed SafeHandle. Passing the handle to
// a [LibraryImport] makes the generated stub AddRef it for the duration of the call, so a
// Dispose racing a call on another thread only marks the handle closed: the native free runs
// when the last such reference is released, after the call has returned.

/// <summary>
/// Owns an <c>ExtismPlugin*</c> (one native instance) with what lives inside it: its cancel
/// handle and its id. Released with <c>extism_plugin_free</c>.
/// </summary>
internal sealed unsafe class PluginHandle : SafeHandle
{
    private readonly NativeCancelHandle* _cancel;

    /// <summary>Public and parameterless because LibraryImport may need to create one.</summary>
    public PluginHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal PluginHandle(NativePlugin* plugin) : this()
    {
        SetHandle((IntPtr)plugin);
        LeakTracker.Plugin(+1);
        // Raw pointers: nobody else has this handle yet, so the SafeHandle overloads' reference
        // (two interlocked operations each) would guard against nothing.
        _cancel = Interop.extism_plugin_cancel_handle(plugin);
        Id = new Guid(new ReadOnlySpan<byte>(Interop.extism_plugin_id(plugin), 16), bigEndian: true);
        Diagnostics.ExtismTelemetry.InstanceCreated();
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>
    /// Calls that returned on this instance (counted under the plug-in's lock). libextism
    /// instantiates the main module lazily in the first one, so a failure of that call may come
    /// from the module's start function or <c>_initialize</c> (RuntimeImportFailures).
    /// </summary>
    internal long CallsFinished;

    /// <summary>The runtime's id of this instance (the UUID libextism prints in its log lines).</summary>
    internal Guid Id { get; }

    /// <summary>
    /// What is known to be inside this instance's Extism memory (bounds checks of outputs and
    /// host-function reads and writes), made on first use: an instance whose calls read no output
    /// and no memory (a no-op, or one used once by a request) never needs one. Used under the
    /// plug-in's lock, like the instance.
    /// </summary>
    internal GuestMemory Memory => _memory ?? NewMemory();

    /// <summary>The memory's record if one was made; null while nothing was checked (nothing to forget).</summary>
    internal GuestMemory? MemoryIfMade => _memory;

    private GuestMemory? _memory;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private GuestMemory NewMemory() => _memory = new GuestMemory();

    /// <summary>
    /// Interrupts the call running on this instance (and, on a shared engine, on its siblings).
    /// The cancel handle lives inside the instance, so it is used under a reference; once the
    /// instance is disposed and no call holds it, nothing runs and nothing is sent.
    /// </summary>
    internal void SendCancel()
    {
        bool referenced = false;
        try
        {
            DangerousAddRef(ref referenced);
            Interop.extism_plugin_cancel(_cancel);
        }
        catch (ObjectDisposedException)
        {
            // Disposed and no call holds it: nothing is running to cancel.
        }
        finally
        {
            if (referenced) DangerousRelease();
        }
    }

    protected override bool ReleaseHandle()
    {
        // May run free_user_data of host functions on this thread; those trampolines never throw.
        Interop.extism_plugin_free((NativePlugin*)handle);
        Diagnostics.ExtismTelemetry.InstanceDisposed();
        LeakTracker.Plugin(-1);
        return true;
    }
}

/// <summary>Owns an <c>ExtismCompiledPlugin*</c>; released with <c>extism_compiled_plugin_free</c>.</summary>
internal sealed unsafe class CompiledPluginHandle : SafeHandle
{
    /// <summary>Public and parameterless because LibraryImport may need to create one.</summary>
    public CompiledPluginHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal CompiledPluginHandle(NativeCompiledPlugin* compiled) : this()
    {
        SetHandle((IntPtr)compiled);
        LeakTracker.CompiledPlugin(+1);
    }

    /// <summary>The native pointer, for callers that hold a reference (<see cref="SafeHandle.DangerousAddRef"/>) on this handle.</summary>
    internal NativeCompiledPlugin* Pointer => (NativeCompiledPlugin*)handle;

    /// <summary>Creations from this code that overran their bound and still run (BoundedCreation); changed with Interlocked.</summary>
    internal int AbandonedCreations;

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        // Safe while plug-ins made from it are alive: they hold their own references.
        Interop.extism_compiled_plugin_free((NativeCompiledPlugin*)handle);
        LeakTracker.CompiledPlugin(-1);
        return true;
    }
}

/// <summary>
/// Owns an <c>ExtismFunction*</c> shell. Registration moves the function out of the shell; the
/// shell itself is still freed here (cheap, and it does not run <c>free_user_data</c> then).
/// If registration never happened, freeing drops the function and releases its user data.
/// </summary>
internal sealed unsafe class FunctionHandle : SafeHandle
{
    /// <summary>Public and parameterless because LibraryImport may need to create one.</summary>
    public FunctionHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal FunctionHandle(NativeFunction* function) : this()
    {
        SetHandle((IntPtr)function);
        LeakTracker.Function(+1);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    internal NativeFunction* Pointer => (NativeFunction*)handle;

    protected override bool ReleaseHandle()
    {
        Interop.extism_function_free((NativeFunction*)handle);
        LeakTracker.Function(-1);
        return true;
    }
}
