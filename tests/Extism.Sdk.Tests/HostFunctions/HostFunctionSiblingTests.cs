using System.Text;
using Xunit;

namespace Extism.Sdk.Tests.HostFunctions;

/// <summary>
/// Instances of one CompiledPlugin share an engine, so an interrupt (cancel, timeout) of one stops
/// every sibling that is mid-call. The way a failing host function stops its own guest must never
/// be such an interrupt: these tests fail a host call in instance 1 while instance 2 is parked in
/// the middle of a call, then let instance 2 run on (its loop has epoch checks that would catch an
/// interrupt) and require it to succeed.
/// </summary>
public class HostFunctionSiblingTests
{
    /// <summary>Host context telling the shared host function how to behave for one call.</summary>
    private sealed class Role
    {
        public bool Throw;
        public ManualResetEventSlim? Started;
        public ManualResetEventSlim? Resume;
        public int Calls;

        public void OnHostCall()
        {
            if (Throw) throw new InvalidProgramException("instance 1 fails");
            if (Calls++ == 0 && Started is not null)
            {
                // Park instance 2 inside its call until instance 1 has failed.
                Started.Set();
                if (!Resume!.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("instance 1 never finished");
            }
        }
    }

    // ping imported like host_void's; call_ping pings 3 times, ping_then_spin pings once and then
    // loops N (u64 LE) times without host calls, ping_loop pings N times.
    private const string VoidSiblingWat = """
        (module
          (import "extism:host/env" "input_load_u64" (func $in (param i64) (result i64)))
          (import "extism:host/user" "ping" (func $ping))
          (func (export "call_ping") (result i32) (call $ping) (call $ping) (call $ping) (i32.const 0))
          (func (export "ping_then_spin") (result i32) (local $n i64) (local $acc i64)
            (call $ping)
            (local.set $n (call $in (i64.const 0)))
            (block $done (loop $again
              (br_if $done (i64.eqz (local.get $n)))
              (local.set $acc (i64.add (local.get $acc) (local.get $n)))
              (local.set $n (i64.sub (local.get $n) (i64.const 1)))
              (br $again)))
            (i32.const 0))
          (func (export "ping_loop") (result i32) (local $n i64)
            (local.set $n (call $in (i64.const 0)))
            (block $done (loop $again
              (br_if $done (i64.eqz (local.get $n)))
              (call $ping)
              (local.set $n (i64.sub (local.get $n) (i64.const 1)))
              (br $again)))
            (i32.const 0)))
        """;

    /// <summary>
    /// Starts instance 2's call on its own thread, waits until it is parked in its first host call,
    /// fails instance 1's call, then lets instance 2 finish and returns its outcome.
    /// </summary>
    private static object RunSiblings(Plugin first, string firstExport, Plugin second, string secondExport, ulong secondInput)
    {
        using var started = new ManualResetEventSlim();
        using var resume = new ManualResetEventSlim();
        object? outcome = null;
        var thread = new Thread(() =>
        {
            try { outcome = second.CallWithHostContext(secondExport, BitConverter.GetBytes(secondInput), new Role { Started = started, Resume = resume }).ToArray(); }
            catch (Exception e) { outcome = e; }
        });
        thread.Start();
        try
        {
            Assert.True(started.Wait(TimeSpan.FromSeconds(30)), "instance 2 never reached its host function");
            for (int i = 0; i < 3; i++)
            {
                var e = Assert.Throws<ExtismException>(() => first.CallWithHostContext(firstExport, BitConverter.GetBytes(100UL), new Role { Throw = true }));
                Assert.Equal(ExtismErrorKind.HostFunction, e.Kind);
                Assert.IsType<InvalidProgramException>(e.InnerException);
            }
        }
        finally
        {
            resume.Set();
            Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "instance 2 did not finish");
        }
        return outcome!;
    }

    [Fact]
    public void FailingHostFunctionWithResultDoesNotInterruptASibling()
    {
        using var addOne = HostFunction.FromMethod<long, long>("add_one", null, static (p, v) =>
        {
            p.GetCallHostContext<Role>()?.OnHostCall();
            return v + 1;
        });
        using var compiled = new CompiledPlugin(TestPlugins.Bytes("host_loop"), [addOne], false);
        using Plugin first = compiled.Instantiate();
        using Plugin second = compiled.Instantiate();
        object outcome = RunSiblings(first, "loop", second, "loop", 200_000);
        Assert.Equal(200_000UL, BitConverter.ToUInt64(Assert.IsType<byte[]>(outcome)));
        Assert.Equal(100UL, BitConverter.ToUInt64(first.Call("loop", BitConverter.GetBytes(100UL)))); // and instance 1 recovered
    }

    [Theory]
    [InlineData("ping_then_spin", 300_000_000UL)] // parked, then a long loop with no host calls
    [InlineData("ping_loop", 200_000UL)] // parked, then many more host calls
    public void FailingVoidHostFunctionDoesNotInterruptASibling(string secondExport, ulong secondInput)
    {
        int pings = 0;
        using var ping = HostFunction.FromMethod("ping", null, p =>
        {
            Interlocked.Increment(ref pings);
            p.GetCallHostContext<Role>()?.OnHostCall();
        });
        using var compiled = new CompiledPlugin(Encoding.UTF8.GetBytes(VoidSiblingWat), [ping], false);
        using Plugin first = compiled.Instantiate();
        using Plugin second = compiled.Instantiate();
        object outcome = RunSiblings(first, "call_ping", second, secondExport, secondInput);
        Assert.IsType<byte[]>(outcome);
        first.Call("call_ping", ReadOnlySpan<byte>.Empty);
        // Instance 1 ran user code once per failed call (later pings skipped), then 3 normal pings.
        long expectedSecond = secondExport == "ping_loop" ? (long)secondInput : 1;
        Assert.Equal(3 + 3 + expectedSecond, pings);
    }
}
