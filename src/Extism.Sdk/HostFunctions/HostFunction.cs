using System.Runtime.InteropServices;
using System.Text;
using Extism.Sdk.Native;

namespace Extism.Sdk;

/// <summary>
/// The body of a host function. <paramref name="inputs"/> and <paramref name="outputs"/> point
/// into libextism's buffers and are valid only during this invocation. Write each output's
/// member matching its preset type (<see cref="ExtismVal.t"/>) and leave the type alone.
/// </summary>
public delegate void ExtismFunction(CurrentPlugin plugin, Span<ExtismVal> inputs, Span<ExtismVal> outputs);

/// <summary>
/// A function the host gives plug-ins to import (module <see cref="Namespace"/>, default
/// <c>extism:host/user</c>). It is a managed definition: register it with any number of plug-ins
/// and compiled plug-ins; each registration gets its own native function. An exception it throws
/// never reaches native code: the plug-in call fails with an <see cref="ExtismException"/> whose
/// <see cref="Exception.InnerException"/> is the original. The body runs on the thread that called
/// the plug-in, so when several plug-ins using one definition are called from several threads it
/// runs concurrently: its user data must then be thread-safe.
/// </summary>
public sealed partial class HostFunction : IDisposable
{
    /// <summary>The namespace host functions get unless <see cref="SetNamespace"/> says otherwise.</summary>
    public const string DefaultNamespace = "extism:host/user";

    private readonly ExtismValType[] _inputTypes;
    private readonly ExtismValType[] _outputTypes;
    private volatile string _namespace = DefaultNamespace;
    private volatile bool _disposed;
    private int _liveRegistrations;

    /// <summary>Defines a host function.</summary>
    /// <param name="functionName">Import name the plug-in uses.</param>
    /// <param name="inputTypes">Parameter types: only I32, I64 (PTR), F32 and F64 can cross (libextism aborts the process on the others).</param>
    /// <param name="outputTypes">Result types, with the same restriction.</param>
    /// <param name="userData">Any object, handed back by <see cref="CurrentPlugin.GetUserData{T}"/>; kept alive while a plug-in using this function exists.</param>
    /// <param name="hostFunction">The body.</param>
    /// <exception cref="ArgumentException">Empty name or an unsupported value type.</exception>
    public HostFunction(string functionName, Span<ExtismValType> inputTypes, Span<ExtismValType> outputTypes, object? userData, ExtismFunction hostFunction)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionName);
        ArgumentNullException.ThrowIfNull(hostFunction);
        if (functionName.Contains('\0')) throw new ArgumentException("The function name contains a NUL character.", nameof(functionName));
        CheckTypes(functionName, inputTypes, nameof(inputTypes));
        CheckTypes(functionName, outputTypes, nameof(outputTypes));
        Name = functionName;
        _inputTypes = inputTypes.ToArray();
        _outputTypes = outputTypes.ToArray();
        if (_outputTypes.Length > 0) FirstOutputType = _outputTypes[0];
        UserData = userData;
        Callback = hostFunction;
    }

    /// <summary>The import name.</summary>
    public string Name { get; }

    /// <summary>The import module name for registrations made from now on.</summary>
    public string Namespace => _namespace;

    /// <summary>Parameter types.</summary>
    public IReadOnlyList<ExtismValType> InputTypes => _inputTypes;

    /// <summary>Result types.</summary>
    public IReadOnlyList<ExtismValType> OutputTypes => _outputTypes;

    internal object? UserData { get; }

    /// <summary>
    /// Native functions made from this definition whose user data libextism has not released yet.
    /// Each registration counts once and is released exactly once, so this returns to 0 when every
    /// plug-in and compiled plug-in using the definition has been freed (tests check that).
    /// </summary>
    internal int LiveRegistrations => Volatile.Read(ref _liveRegistrations);

    /// <summary>Called once per registration, when its GCHandle is freed.</summary>
    internal void Released()
    {
        Interlocked.Decrement(ref _liveRegistrations);
        LeakTracker.Registration(-1);
    }

    internal ExtismFunction Callback { get; }

    /// <summary>The declared result types, for the trampoline's check that a body left them alone.</summary>
    internal ReadOnlySpan<ExtismValType> DeclaredOutputs => _outputTypes;

    /// <summary>The first result's type (meaningless without results): what the trampoline checks on every host call.</summary>
    internal ExtismValType FirstOutputType { get; }

    /// <summary>Sets the import module name. Applies to plug-ins created afterwards; existing ones keep theirs.</summary>
    public void SetNamespace(string ns)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        if (ns.Contains('\0')) throw new ArgumentException("The namespace contains a NUL character.", nameof(ns));
        _namespace = ns;
    }

    /// <summary>Sets the import module name (see <see cref="SetNamespace"/>) and returns this function.</summary>
    public HostFunction WithNamespace(string ns)
    {
        SetNamespace(ns);
        return this;
    }

    /// <summary>
    /// Stops this definition from being registered again. Plug-ins already created with it keep
    /// working; its user data is released when the last of them is disposed.
    /// </summary>
    public void Dispose() => _disposed = true;

    /// <summary>
    /// Creates one native function for one registration. Its user data is a GCHandle to this
    /// definition, freed by <see cref="HostFunctionTrampolines.FreeUserData"/> when libextism drops
    /// the last reference (any thread), or by the returned handle if it is never registered.
    /// </summary>
    internal unsafe FunctionHandle CreateNative()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        byte[] name = Utf8Z(Name);
        byte[] ns = Utf8Z(_namespace);
        // Allocated last, so that nothing that can throw runs between here and the point where
        // either libextism owns the handle or it is freed below.
        GCHandle self = GCHandle.Alloc(this);
        LeakTracker.UserData(+1);
        Interlocked.Increment(ref _liveRegistrations);
        LeakTracker.Registration(+1);
        NativeFunction* function;
        fixed (byte* namePtr = name)
        fixed (ExtismValType* inputs = _inputTypes)
        fixed (ExtismValType* outputs = _outputTypes)
        {
            function = Interop.extism_function_new(
                namePtr, inputs, (ulong)_inputTypes.Length, outputs, (ulong)_outputTypes.Length,
                &HostFunctionTrampolines.Invoke, (void*)GCHandle.ToIntPtr(self), &HostFunctionTrampolines.FreeUserData);
        }
        if (function is null)
        {
            Released();
            self.Free();
            LeakTracker.UserData(-1);
            throw new ExtismException($"libextism refused host function '{Name}'.");
        }
        var handle = new FunctionHandle(function);
        fixed (byte* nsPtr = ns) Interop.extism_function_set_namespace(function, nsPtr);
        return handle;
    }

    private static byte[] Utf8Z(string s)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    private static void CheckTypes(string name, Span<ExtismValType> types, string param)
    {
        foreach (ExtismValType type in types)
        {
            if (type is not (ExtismValType.I32 or ExtismValType.I64 or ExtismValType.F32 or ExtismValType.F64))
            {
                throw new ArgumentException(
                    $"Host function '{name}': {type} values cannot cross libextism's host-function boundary (only I32, I64/PTR, F32 and F64; libextism would abort the process).", param);
            }
        }
    }
}
