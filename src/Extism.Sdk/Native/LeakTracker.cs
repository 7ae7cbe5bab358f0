namespace Extism.Sdk.Native;

/// <summary>
/// Live counts of the native objects and GC handles the SDK owns, for tests and diagnostics: a
/// count that does not return to its starting value once everything is disposed and collected is
/// a leak. Counted where each object is created and where it is freed (a few interlocked
/// operations per plug-in creation; per call only when a host context is passed).
/// </summary>
internal static class LeakTracker
{
    private static long s_plugins;
    private static long s_compiledPlugins;
    private static long s_functions;
    private static long s_registrations;
    private static long s_userData;
    private static long s_hostContexts;

    /// <summary>The counts now. Each is read atomically; together they are not one instant.</summary>
    public static LeakCounts Snapshot() => new(
        Interlocked.Read(ref s_plugins),
        Interlocked.Read(ref s_compiledPlugins),
        Interlocked.Read(ref s_functions),
        Interlocked.Read(ref s_registrations),
        Interlocked.Read(ref s_userData),
        Interlocked.Read(ref s_hostContexts));

    /// <summary>An <c>ExtismPlugin*</c> was created (+1) or freed (-1).</summary>
    internal static void Plugin(int delta) => Interlocked.Add(ref s_plugins, delta);

    /// <summary>An <c>ExtismCompiledPlugin*</c> was created (+1) or freed (-1).</summary>
    internal static void CompiledPlugin(int delta) => Interlocked.Add(ref s_compiledPlugins, delta);

    /// <summary>An <c>ExtismFunction*</c> shell was created (+1) or freed (-1).</summary>
    internal static void Function(int delta) => Interlocked.Add(ref s_functions, delta);

    /// <summary>A host-function registration was made (+1) or libextism released it (-1).</summary>
    internal static void Registration(int delta) => Interlocked.Add(ref s_registrations, delta);

    /// <summary>A GCHandle handed to libextism as <c>user_data</c> was allocated (+1) or freed (-1).</summary>
    internal static void UserData(int delta) => Interlocked.Add(ref s_userData, delta);

    /// <summary>A per-call host-context GCHandle was allocated (+1) or freed (-1).</summary>
    internal static void HostContext(int delta) => Interlocked.Add(ref s_hostContexts, delta);
}

/// <summary>One reading of <see cref="LeakTracker"/>.</summary>
internal readonly record struct LeakCounts(long Plugins, long CompiledPlugins, long Functions, long HostFunctionRegistrations, long UserData, long HostContexts)
{
    /// <summary>E.g. <c>plugins 0, compiled plugins 0, functions 0, registrations 0, user data 0, host contexts 0</c>.</summary>
    public override string ToString()
        => $"plugins {Plugins}, compiled plugins {CompiledPlugins}, functions {Functions}, registrations {HostFunctionRegistrations}, user data {UserData}, host contexts {HostContexts}";
}
