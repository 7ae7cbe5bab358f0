using System.Text;
using Extism.Sdk.Native;
using Xunit;

namespace Extism.Sdk.Tests.HostFunctions;

/// <summary>
/// A host function that throws fails only its own call, with the original exception inside; the
/// plug-in stays usable; re-entry is refused; siblings from one compiled plug-in are untouched.
/// </summary>
[Collection(LeakCheckedCollection.Name)]
public class HostFunctionFailureTests : IClassFixture<LeakCheck>
{
    private static readonly byte[] Hundred = BitConverter.GetBytes(100UL);

    /// <summary>Runs <paramref name="action"/> on another thread and fails instead of hanging if it deadlocks.</summary>
    private static void WithinSeconds(int seconds, Action action)
    {
        Task task = Task.Factory.StartNew(action, TaskCreationOptions.LongRunning);
        Assert.True(task.Wait(TimeSpan.FromSeconds(seconds)), $"did not finish within {seconds} s (deadlock?)");
    }

    [Fact]
    public void TenThousandThrowingCallsEachReportTheirOwnException()
    {
        int calls = 0;
        using var f = HostFunction.FromMethod<long, long>("add_one", null, (_, _) => throw new TimeZoneNotFoundException($"boom {++calls}"));
        using Plugin plugin = TestPlugins.Load("host_loop", false, f);
        for (int i = 1; i <= 10_000; i++)
        {
            var e = Assert.Throws<ExtismException>(() => plugin.Call("loop", Hundred));
            Assert.Equal(ExtismErrorKind.HostFunction, e.Kind);
            Assert.Equal($"boom {i}", Assert.IsType<TimeZoneNotFoundException>(e.InnerException).Message);
        }
        // A function with a result stops the guest at the first failure: one host call per plug-in call.
        Assert.Equal(10_000, calls);
    }

    [Fact]
    public void ThrowingCallIsFollowedByANormalCall()
    {
        bool fail = true;
        using var f = HostFunction.FromMethod<long, long>("add_one", null, (_, v) => fail ? throw new FormatException("first") : v + 1);
        using Plugin plugin = TestPlugins.Load("host_loop", false, f);
        var e = Assert.Throws<ExtismException>(() => plugin.Call("loop", Hundred));
        Assert.IsType<FormatException>(e.InnerException);
        Assert.Contains("add_one", e.Message);
        fail = false;
        Assert.Equal(100UL, BitConverter.ToUInt64(plugin.Call("loop", Hundred)));
        Assert.Equal(7UL, BitConverter.ToUInt64(plugin.Call("loop", BitConverter.GetBytes(7UL))));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ThrowingVoidFunctionFailsTheCallAndRunsNoFurtherHostCode(bool compiled)
    {
        // host_void's call_ping calls ping three times. A function without results cannot be stopped
        // by a bad result: a cancel could reach the fresh instance self-healing makes on the same
        // engine, so the guest runs on with later host calls skipped. User code runs once, the call
        // fails, and the next call (on the replacement) is not interrupted.
        int pings = 0;
        bool fail = true;
        using var ping = HostFunction.FromMethod("ping", null, _ =>
        {
            pings++;
            if (fail) throw new DriveNotFoundException("no ping");
        });
        using CompiledPlugin? source = compiled ? new CompiledPlugin(TestPlugins.Bytes("host_void"), [ping], false) : null;
        using Plugin plugin = source?.Instantiate() ?? TestPlugins.Load("host_void", false, ping);
        for (int round = 1; round <= 3; round++)
        {
            var e = Assert.Throws<ExtismException>(() => plugin.Call("call_ping", ReadOnlySpan<byte>.Empty));
            Assert.Equal(ExtismErrorKind.HostFunction, e.Kind);
            Assert.Equal("no ping", Assert.IsType<DriveNotFoundException>(e.InnerException).Message);
            Assert.Equal(round, pings);
        }
        fail = false;
        pings = 0;
        plugin.Call("call_ping", ReadOnlySpan<byte>.Empty);
        Assert.Equal(3, pings);
    }

    [Fact]
    public void RetypingAResultIsReportedAsThisHostFunctionsFailure()
    {
        bool retype = true;
        using var f = new HostFunction("add_one", [ExtismValType.I64], [ExtismValType.I64], null, (_, i, o) =>
        {
            if (retype) o[0] = new ExtismVal { t = ExtismValType.F64, v = new ExtismValUnion { f64 = 1 } };
            else o[0] = new ExtismVal { t = ExtismValType.I64, v = new ExtismValUnion { i64 = i[0].v.i64 + 1 } };
        });
        using Plugin plugin = TestPlugins.Load("host_loop", false, f);
        var e = Assert.Throws<ExtismException>(() => plugin.Call("loop", Hundred));
        Assert.Equal(ExtismErrorKind.HostFunction, e.Kind);
        Assert.Contains("changed the type of result 0 from I64 to F64", Assert.IsType<InvalidOperationException>(e.InnerException).Message);
        retype = false; // writing whole values is fine when the type stays the same
        Assert.Equal(100UL, BitConverter.ToUInt64(plugin.Call("loop", Hundred)));
    }

    [Fact]
    public void ReentrantCallIsRefusedWithoutDeadlock()
    {
        Plugin? self = null;
        Exception? seen = null;
        using var f = HostFunction.ForBytes("transform", null, (_, input) =>
        {
            try
            {
                self?.Call("call_transform", input);
            }
            catch (Exception e)
            {
                seen = e;
                throw;
            }
            return input;
        });
        using Plugin plugin = TestPlugins.Load("host_bytes", false, f);
        self = plugin;
        WithinSeconds(30, () =>
        {
            var e = Assert.Throws<ExtismException>(() => plugin.Call("call_transform", "again"u8));
            Assert.Equal(ExtismErrorKind.HostFunction, e.Kind);
            Assert.IsType<InvalidOperationException>(e.InnerException);
            Assert.Same(seen, e.InnerException);
            Assert.Contains("Re-entrant", seen!.Message);
        });
        self = null; // the host function echoes from now on
        Assert.Equal("ok", plugin.Call("call_transform", "ok")); // still usable afterwards
    }

    [Fact]
    public void OtherEntryPointsAreRefusedFromInsideAHostFunction()
    {
        Plugin? self = null;
        var refused = new List<string>();
        using var f = HostFunction.ForBytes("transform", null, (_, input) =>
        {
            void Try(string what, Action a)
            {
                try { a(); }
                catch (InvalidOperationException) { refused.Add(what); }
            }
            Try("Reset", () => self!.Reset());
            Try("FunctionExists", () => self!.FunctionExists("call_transform"));
            Try("UpdateConfig", () => self!.UpdateConfig("{}"u8));
            Try("Call", () => self!.Call("call_transform", "x"));
            return input;
        });
        using Plugin plugin = TestPlugins.Load("host_bytes", false, f);
        self = plugin;
        WithinSeconds(30, () => Assert.Equal("in", plugin.Call("call_transform", "in")));
        Assert.Equal(new[] { "Reset", "FunctionExists", "UpdateConfig", "Call" }, refused);
    }

    [Fact]
    public void HostFunctionMayCallASiblingInstance()
    {
        // Re-entry is about one instance; another instance of the same compiled plug-in is fine.
        // The host context names the instance to forward to; without one the function echoes.
        using var f = HostFunction.ForBytes("transform", null, static (p, input) =>
            p.GetCallHostContext<Plugin>() is { } sibling
                ? Encoding.UTF8.GetBytes("sibling said " + sibling.Call("call_transform", Encoding.UTF8.GetString(input)))
                : input);
        using var compiled = new CompiledPlugin(TestPlugins.Bytes("host_bytes"), [f], false);
        using Plugin first = compiled.Instantiate();
        using Plugin second = compiled.Instantiate();
        WithinSeconds(30, () =>
        {
            Assert.Equal("hi", second.Call("call_transform", "hi"));
            Assert.Equal("sibling said hi", Encoding.UTF8.GetString(first.CallWithHostContext("call_transform", "hi"u8, second)));
        });
    }

    [Fact]
    public void FailureInANestedPluginSurfacesThroughTheOuterCall()
    {
        using var inner = HostFunction.ForStrings("transform", null, static (_, _) => throw new ArithmeticException("deep"));
        using Plugin c = TestPlugins.Load("host_bytes", false, inner);
        using var outer = HostFunction.ForStrings("transform", c, static (p, t) => p.GetUserData<Plugin>()!.Call("call_transform", t));
        using Plugin a = TestPlugins.Load("host_bytes", false, outer);
        var e = Assert.Throws<ExtismException>(() => a.Call("call_transform", "x"));
        Assert.Equal(ExtismErrorKind.HostFunction, e.Kind);
        var nested = Assert.IsType<ExtismException>(e.InnerException);
        Assert.Equal(ExtismErrorKind.HostFunction, nested.Kind);
        Assert.IsType<ArithmeticException>(nested.InnerException);
    }
    [Fact]
    public void AHostFunctionsFailureIsForgottenWhenItsCallEnds()
    {
        // Host calls skip the thread-static lookup while no call in the process has a failed host
        // function (CallContext.AnyFailed). A failure left counted would not break anything, but
        // would send every later host call the slow way: each failing call must uncount it,
        // also when the plug-in is disposed right after, and for both plug-ins of a nested failure.
        // (This class runs alone, so no other test's failing call can be in flight.)
        using var typed = HostFunction.FromMethod<long, long>("add_one", null, (_, _) => throw new FormatException("typed"));
        using var ping = HostFunction.FromMethod("ping", null, _ => throw new FormatException("void"));
        using var inner = HostFunction.ForStrings("transform", null, static (_, _) => throw new ArithmeticException("deep"));
        using Plugin c = TestPlugins.Load("host_bytes", false, inner);
        using var outer = HostFunction.ForStrings("transform", c, static (p, t) => p.GetUserData<Plugin>()!.Call("call_transform", t));
        using Plugin a = TestPlugins.Load("host_bytes", false, outer);
        Assert.False(CallContext.AnyFailed);

        using (Plugin loop = TestPlugins.Load("host_loop", false, typed))
        {
            Assert.Throws<ExtismException>(() => loop.Call("loop", Hundred));
        }
        Assert.False(CallContext.AnyFailed);
        using (Plugin voids = TestPlugins.Load("host_void", false, ping))
        {
            Assert.Throws<ExtismException>(() => voids.Call("call_ping", ReadOnlySpan<byte>.Empty));
            Assert.False(CallContext.AnyFailed);
        }
        Assert.Throws<ExtismException>(() => a.Call("call_transform", "x"));
        Assert.False(CallContext.AnyFailed);
        // And a normal call on each afterwards still runs its host code.
        using var fine = HostFunction.FromMethod<long, long>("add_one", null, (_, v) => v + 1);
        using Plugin ok = TestPlugins.Load("host_loop", false, fine);
        Assert.Equal(100UL, BitConverter.ToUInt64(ok.Call("loop", Hundred)));
    }
}
