using System.Runtime.CompilerServices;
using Extism.Sdk.Native;
using Xunit;

namespace Extism.Sdk.Tests.HostFunctions;

/// <summary>
/// One HostFunction shared by many plug-ins; its user data released exactly once per registration,
/// after the last plug-in using it is gone; namespaces and signatures checked at creation.
/// </summary>
[Collection(LeakCheckedCollection.Name)]
public class HostFunctionLifetimeTests : IClassFixture<LeakCheck>
{
    private static readonly byte[] Hundred = BitConverter.GetBytes(100UL);

    private static HostFunction AddOne(object? userData = null)
        => HostFunction.FromMethod<long, long>("add_one", userData, static (_, v) => v + 1);

    [Fact]
    public void OneFunctionServesThreePluginsAndTwoCompiledInstancesAtOnce()
    {
        int calls = 0;
        using var f = HostFunction.FromMethod<long, long>("add_one", null, (_, v) => { Interlocked.Increment(ref calls); return v + 1; });
        var owners = new List<IDisposable>();
        try
        {
            var plugins = new List<Plugin>();
            for (int i = 0; i < 3; i++) plugins.Add(Track(owners, TestPlugins.Load("host_loop", false, f)));
            CompiledPlugin compiled = Track(owners, new CompiledPlugin(TestPlugins.Bytes("host_loop"), [f], false));
            plugins.Add(Track(owners, compiled.Instantiate()));
            plugins.Add(Track(owners, compiled.Instantiate()));
            Assert.Equal(4, f.LiveRegistrations); // three plug-ins and one compiled plug-in

            // Dedicated threads, all released together, so the five calls really overlap.
            using var start = new Barrier(plugins.Count);
            var results = new object?[plugins.Count];
            Thread[] threads = plugins.Select((p, i) => new Thread(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                try { results[i] = BitConverter.ToUInt64(p.Call("loop", BitConverter.GetBytes(20_000UL))); }
                catch (Exception e) { results[i] = e; }
            })).ToArray();
            foreach (Thread t in threads) t.Start();
            foreach (Thread t in threads) Assert.True(t.Join(TimeSpan.FromSeconds(60)));
            Assert.All(results, r => Assert.Equal(20_000UL, r));
            Assert.Equal(5 * 20_000, calls);
        }
        finally
        {
            foreach (IDisposable o in owners) o.Dispose();
        }
        Assert.Equal(0, f.LiveRegistrations);
    }

    private static T Track<T>(List<IDisposable> owners, T owner) where T : IDisposable
    {
        owners.Add(owner);
        return owner;
    }

    /// <summary>Everything the user-data test creates, reachable only through this object.</summary>
    private sealed class Rig
    {
        public required IDisposable?[] Owners;
        public required Plugin?[] Plugins;
        public required WeakReference UserData;
        public required WeakReference Function;
    }

    // Not inlined, so that no local of the test method keeps the user data or the function alive.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Rig CreateRig()
    {
        var userData = new object();
        HostFunction f = HostFunction.FromMethod<long, long>("add_one", userData,
            static (plugin, v) => plugin.GetUserData<object>() is null ? -1 : v + 1);
        var compiled = new CompiledPlugin(TestPlugins.Bytes("host_loop"), [f], false);
        Plugin[] plugins = [TestPlugins.Load("host_loop", false, f), TestPlugins.Load("host_loop", false, f), compiled.Instantiate(), compiled.Instantiate()];
        f.Dispose(); // no new registrations; the existing ones must keep working
        return new Rig
        {
            Owners = [compiled, .. plugins],
            Plugins = plugins,
            UserData = new WeakReference(userData),
            Function = new WeakReference(f),
        };
    }

    private static void FullGc()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    [Fact]
    public void UserDataLivesUntilTheLastPluginIsDisposed()
    {
        Rig rig = CreateRig();
        // Release the plug-ins one by one (the compiled plug-in first, its instances last), dropping
        // every reference to what was disposed: only libextism's registrations keep the rest alive.
        for (int i = 0; i < rig.Owners.Length; i++)
        {
            rig.Owners[i]!.Dispose();
            rig.Owners[i] = null;
            if (i > 0) rig.Plugins[i - 1] = null;
            if (i == rig.Owners.Length - 1) break;
            FullGc();
            Assert.True(rig.UserData.IsAlive, $"user data died after disposing {i + 1} of {rig.Owners.Length}");
            CallRemaining(rig.Plugins);
        }
        FullGc();
        Assert.False(rig.UserData.IsAlive, "user data outlived every plug-in");
        Assert.False(rig.Function.IsAlive, "the host function outlived every plug-in");
    }

    // Separate and not inlined: a loop variable in the test method would keep the last plug-in
    // alive until the method ends (debug code keeps locals alive).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CallRemaining(Plugin?[] plugins)
    {
        foreach (Plugin? p in plugins)
        {
            if (p is not null) Assert.Equal(100UL, BitConverter.ToUInt64(p.Call("loop", Hundred)));
        }
    }

    [Fact]
    public void EveryRegistrationIsReleasedExactlyOnce()
    {
        using HostFunction f = AddOne();
        using (Plugin p = TestPlugins.Load("host_loop", false, f))
        {
            Assert.Equal(1, f.LiveRegistrations);
        }
        Assert.Equal(0, f.LiveRegistrations);

        var compiled = new CompiledPlugin(TestPlugins.Bytes("host_loop"), [f], false);
        Plugin instance = compiled.Instantiate();
        compiled.Dispose();
        Assert.Equal(1, f.LiveRegistrations); // the instance still holds the function
        Assert.Equal(100UL, BitConverter.ToUInt64(instance.Call("loop", Hundred)));
        instance.Dispose();
        Assert.Equal(0, f.LiveRegistrations);

        // Failed creation releases what was registered: wrong import (host_void wants ping) ...
        Assert.Throws<ExtismException>(() => TestPlugins.Load("host_void", false, f));
        Assert.Equal(0, f.LiveRegistrations);
        // ... and a list with a disposed definition fails before libextism sees anything.
        HostFunction disposed = AddOne();
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => TestPlugins.Load("host_loop", false, f, disposed));
        Assert.Equal(0, f.LiveRegistrations);
        Assert.Equal(0, disposed.LiveRegistrations);
    }

    [Fact]
    public void DefaultNamespaceIsExtismHostUser()
    {
        using HostFunction f = AddOne();
        Assert.Equal("extism:host/user", f.Namespace);
        Assert.Equal("extism:host/user", HostFunction.DefaultNamespace);
        using Plugin plugin = TestPlugins.Load("host_loop", false, f);
        Assert.Equal(100UL, BitConverter.ToUInt64(plugin.Call("loop", Hundred)));
    }

    private static HostFunction Answer(long value) => HostFunction.FromMethod<long>("answer", value, static p => p.GetUserData<long>());

    [Fact]
    public void CustomNamespaceIsImportedFromThere()
    {
        using HostFunction f = Answer(42).WithNamespace("my-namespace");
        Assert.Equal("my-namespace", f.Namespace);
        using Plugin plugin = TestPlugins.Load("host_ns", false, f);
        Assert.Equal(42L, BitConverter.ToInt64(plugin.Call("call_answer", ReadOnlySpan<byte>.Empty)));
    }

    [Fact]
    public void NamespaceChangesApplyToLaterRegistrationsOnly()
    {
        using HostFunction f = Answer(7);
        var e = Assert.Throws<ExtismException>(() => TestPlugins.Load("host_ns", false, f));
        Assert.Equal(ExtismErrorKind.Creation, e.Kind);
        Assert.Contains("my-namespace::answer", e.Message);

        f.SetNamespace("my-namespace"); // after a first (failed) registration
        using Plugin first = TestPlugins.Load("host_ns", false, f);
        f.SetNamespace("elsewhere"); // after a successful one
        Assert.Equal(ExtismErrorKind.Creation, Assert.Throws<ExtismException>(() => TestPlugins.Load("host_ns", false, f)).Kind);
        Assert.Equal(7L, BitConverter.ToInt64(first.Call("call_answer", ReadOnlySpan<byte>.Empty))); // keeps its namespace
        using var compiled = new CompiledPlugin(TestPlugins.Bytes("host_ns"), [f.WithNamespace("my-namespace")], false);
        using Plugin second = compiled.Instantiate();
        Assert.Equal(7L, BitConverter.ToInt64(second.Call("call_answer", ReadOnlySpan<byte>.Empty)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a\0b")]
    public void InvalidNamespacesAreRefused(string ns)
    {
        using HostFunction f = AddOne();
        Assert.ThrowsAny<ArgumentException>(() => f.SetNamespace(ns));
        Assert.Equal(HostFunction.DefaultNamespace, f.Namespace);
    }

    [Fact]
    public void WrongSignatureIsRefusedAtCreation()
    {
        // host_ns imports answer () -> i64; offer () -> i32 and (i64) -> i64.
        using HostFunction narrow = HostFunction.FromMethod<int>("answer", null, static _ => 1).WithNamespace("my-namespace");
        using HostFunction extraParam = HostFunction.FromMethod<long, long>("answer", null, static (_, v) => v).WithNamespace("my-namespace");
        foreach (HostFunction f in new[] { narrow, extraParam })
        {
            var e = Assert.Throws<ExtismException>(() => TestPlugins.Load("host_ns", false, f));
            Assert.Equal(ExtismErrorKind.Creation, e.Kind);
            e = Assert.Throws<ExtismException>(() =>
            {
                using var compiled = new CompiledPlugin(TestPlugins.Bytes("host_ns"), [f], false);
                compiled.Instantiate().Dispose();
            });
            Assert.Equal(ExtismErrorKind.Creation, e.Kind);
            Assert.Equal(0, f.LiveRegistrations);
        }
    }

    [Fact]
    public void RawConstructorCopiesTheTypeSpans()
    {
        ExtismValType[] inputs = [ExtismValType.I64];
        using var f = new HostFunction("add_one", inputs, [ExtismValType.I64], null, static (_, i, o) => o[0].v.i64 = i[0].v.i64 + 1);
        inputs[0] = ExtismValType.F32; // must not affect the definition
        using Plugin plugin = TestPlugins.Load("host_loop", false, f);
        Assert.Equal(100UL, BitConverter.ToUInt64(plugin.Call("loop", Hundred)));
    }
}
