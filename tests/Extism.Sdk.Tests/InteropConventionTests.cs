using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Extism.Sdk.Native;
using Xunit;

namespace Extism.Sdk.Tests;

public class InteropConventionTests
{
    private static readonly Assembly Sdk = typeof(Plugin).Assembly;

    [Fact]
    public unsafe void ExtismValMatchesTheCHeaderLayout()
    {
        Assert.Equal(16, sizeof(ExtismVal));
        Assert.Equal(8, sizeof(ExtismValUnion));
        Assert.Equal(8, (int)Marshal.OffsetOf<ExtismVal>(nameof(ExtismVal.v)));
        Assert.Equal(0, (int)Marshal.OffsetOf<ExtismVal>(nameof(ExtismVal.t)));
        Assert.Equal(sizeof(int), Unsafe.SizeOf<ExtismValType>());
        Assert.Equal([0, 1, 1, 2, 3, 4, 5, 6],
            new[] { ExtismValType.I32, ExtismValType.I64, ExtismValType.PTR, ExtismValType.F32, ExtismValType.F64, ExtismValType.V128, ExtismValType.FuncRef, ExtismValType.ExternRef }.Select(t => (int)t));
        var val = new ExtismVal { t = ExtismValType.I64 };
        val.v.i64 = -2;
        Assert.Equal(-2, val.v.ptr);
        Assert.Equal(-2, val.v.i32);
    }

    [Fact]
    public void OnlyTheThreeValueTypesArePublicInTheInteropNamespace()
    {
        string[] publicTypes = Sdk.GetExportedTypes().Where(t => t.Namespace == "Extism.Sdk.Native").Select(t => t.Name).Order().ToArray();
        Assert.Equal(["ExtismVal", "ExtismValType", "ExtismValUnion"], publicTypes);
    }

    [Fact]
    public void EverySafeHandleIsSealed()
    {
        var handles = Sdk.GetTypes().Where(t => typeof(SafeHandle).IsAssignableFrom(t)).ToArray();
        Assert.Equal(3, handles.Length);
        Assert.All(handles, h => Assert.True(h.IsSealed, h.Name));
        Assert.All(handles, h => Assert.NotNull(h.GetConstructor(Type.EmptyTypes)));
    }

    [Fact]
    public void EveryFunctionOfTheCHeaderIsImportedAndExported()
    {
        MethodInfo[] imports = typeof(Interop).GetMethods(BindingFlags.Static | BindingFlags.NonPublic)
            .Where(m => m.Name.StartsWith("extism_", StringComparison.Ordinal) && m.DeclaringType == typeof(Interop) && m.GetCustomAttribute<LibraryImportAttribute>() is not null)
            .ToArray();
        // 33 functions; the hot call path also has raw-pointer overloads of four of them.
        Assert.Equal(33, imports.Select(m => m.GetCustomAttribute<LibraryImportAttribute>()!.EntryPoint ?? m.Name).Distinct().Count());
        ExtismRuntime.EnsureLoaded();
        IntPtr library = LibraryLoader.Loaded.Handle;
        Assert.All(imports, m => Assert.True(NativeLibrary.TryGetExport(library, m.GetCustomAttribute<LibraryImportAttribute>()!.EntryPoint ?? m.Name, out _), m.Name));
    }
}
