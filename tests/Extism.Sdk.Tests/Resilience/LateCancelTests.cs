using Xunit;

namespace Extism.Sdk.Tests.Resilience;

/// <summary>
/// A cancel libextism delivers late lands on whatever runs next on the engine (LateCancel.cs in
/// the SDK). Its timing cannot be forced, so these tests make the same thing happen on purpose:
/// an interruption that is not the call's own, on a shared engine, while the call sits in a host
/// function. Right after the plug-in sent a cancel of its own, that is what a late cancel looks
/// like, and the call must be repeated once on a fresh instance; otherwise it is a sibling's
/// interruption, which a plain instance reports as a timeout (documented on Plugin.Cancel).
/// </summary>
public class LateCancelTests
{
    [Fact]
    public void RightAfterItsOwnCancel_AnInterruptionNotAskedForRepeatsTheCallOnce()
    {
        using var s = new Siblings();
        (GatedHostOp op, Plugin plugin, Plugin sibling) = (s.Op, s.First, s.Second);

        // The plug-in cancels a call of its own: from now on a late cancel is possible.
        CancelASpin(plugin, op);

        // Its next call waits in the host function while a sibling's cancel interrupts the engine.
        Task<byte[]> call = op.RunGated(() => plugin.Call("call_host", "normal"u8).ToArray());
        CancelASpin(sibling, op);
        op.Open();

        Assert.Equal("normal"u8.ToArray(), call.GetAwaiter().GetResult());
        Assert.Equal(1, plugin.StrayInterruptRepeats);
        Assert.True(plugin.RecycleCount >= 2, "the repeat must run on a fresh instance");
    }

    [Fact]
    public void AnInstanceMadeBeforeASiblingsCancel_AnswersItsFirstCallAfterIt()
    {
        // libextism instantiates lazily, at the first call, under the epoch deadline it set when
        // the instance was made; a cancel on the engine in between made that instantiation fail
        // ("failed to initialize wasi runtime"), and every later call on the instance with it.
        using var s = new Siblings();
        (GatedHostOp op, Plugin early, Plugin other) = (s.Op, s.First, s.Second);
        CancelASpin(other, op);

        Assert.Equal("first"u8.ToArray(), early.Call("call_host", "first"u8).ToArray());
        Assert.Equal(1, early.StrayInterruptRepeats);
        Assert.Equal("second"u8.ToArray(), early.Call("call_host", "second"u8).ToArray());
    }

    [Fact]
    public void WithoutWasi_AnInstanceMadeBeforeASiblingsCancel_AnswersItsFirstCallAfterIt()
    {
        // Without WASI no guest code runs at instantiation: the first wasm libextism runs on the
        // new store is the kernel's error_set, at the call's start, and the stale epoch deadline
        // fails it with "unable to clear error message" (rc -1), before the export runs.
        using var compiled = new CompiledPlugin(TestPlugins.Manifest("outcomes"), [], new PluginInitializationOptions { WithWasi = false });
        using Plugin early = compiled.Instantiate();
        using Plugin other = compiled.Instantiate();
        CancelAnOutcomesSpin(other);

        Assert.Equal("done"u8.ToArray(), early.Call("busy", []).ToArray());
        Assert.Equal(1, early.StrayInterruptRepeats);
        Assert.Equal("done"u8.ToArray(), early.Call("busy", []).ToArray());
    }

    [Fact]
    public void WithoutACancelOfItsOwn_ASiblingsInterruptionIsReportedNotRepeated()
    {
        using var s = new Siblings();
        (GatedHostOp op, Plugin plugin, Plugin sibling) = (s.Op, s.First, s.Second);

        Task<byte[]> call = op.RunGated(() => plugin.Call("call_host", "normal"u8).ToArray());
        CancelASpin(sibling, op);
        op.Open();

        Assert.Throws<ExtismTimeoutException>(() => call.GetAwaiter().GetResult());
        Assert.Equal(0, plugin.StrayInterruptRepeats);
        Assert.Equal("again"u8.ToArray(), plugin.Call("call_host", "again"u8).ToArray()); // healed
    }

    /// <summary>Two instances of one compiled frames.wasm (C, WASI), so they share an engine, with a <see cref="GatedHostOp"/>.</summary>
    private sealed class Siblings : IDisposable
    {
        private readonly CompiledPlugin _compiled;

        public Siblings()
        {
            _compiled = new CompiledPlugin(CallTarget.ManifestFor(MatrixGuest.C, FailureKind.PluginCancel), [Op.Function], new PluginInitializationOptions { WithWasi = true });
            First = _compiled.Instantiate();
            Second = _compiled.Instantiate();
        }

        public GatedHostOp Op { get; } = new();

        public Plugin First { get; }

        public Plugin Second { get; }

        public void Dispose()
        {
            First.Dispose();
            Second.Dispose();
            _compiled.Dispose();
            Op.Dispose();
        }
    }

    /// <summary>Starts "spin" on <paramref name="plugin"/>, cancels it once it runs, and waits for the cancelled call.</summary>
    private static void CancelASpin(Plugin plugin, GatedHostOp op)
    {
        op.SpinStarted.Reset();
        Task spin = Task.Run(() => plugin.Call("spin", []).ToArray());
        int which = WaitHandle.WaitAny([op.SpinStarted.WaitHandle, ((IAsyncResult)spin).AsyncWaitHandle], TimeSpan.FromSeconds(30));
        if (which != 0) throw new InvalidOperationException("spin never started", spin.Exception);
        // A cancel libextism drops before the export runs is resent until the call ends.
        Assert.True(plugin.Cancel());
        Assert.ThrowsAny<OperationCanceledException>(() => spin.GetAwaiter().GetResult());
    }

    /// <summary>Runs outcomes.wasm's "spin" on <paramref name="plugin"/> and cancels it after it has run a little.</summary>
    private static void CancelAnOutcomesSpin(Plugin plugin)
    {
        Task spin = Task.Factory.StartNew(() => plugin.Call("spin", []).ToArray(), TaskCreationOptions.LongRunning);
        Thread.Sleep(100);
        // Resent until the call ends, so a cancel that arrives before the export runs still lands.
        Assert.True(plugin.Cancel());
        Assert.ThrowsAny<OperationCanceledException>(() => spin.GetAwaiter().GetResult());
    }

    /// <summary>
    /// host_op for frames.wasm: block 0 is spin saying it runs; any other block is echoed, and the
    /// first echo after <see cref="RunGated"/> waits until <see cref="Open"/>.
    /// </summary>
    private sealed class GatedHostOp : IDisposable
    {
        private readonly ManualResetEventSlim _inside = new();
        private readonly ManualResetEventSlim _open = new(true);
        private volatile bool _gated;

        public GatedHostOp() => Function = HostFunction.FromMethod<long, long>("host_op", null, (_, block) => Invoke(block));

        public HostFunction Function { get; }

        public ManualResetEventSlim SpinStarted { get; } = new();

        /// <summary>Runs <paramref name="call"/> on its own thread and returns once it waits in the host function.</summary>
        public Task<byte[]> RunGated(Func<byte[]> call)
        {
            _open.Reset();
            _inside.Reset();
            _gated = true;
            Task<byte[]> task = Task.Factory.StartNew(call, TaskCreationOptions.LongRunning);
            Assert.True(_inside.Wait(TimeSpan.FromSeconds(30)), "the call never reached the host function");
            return task;
        }

        public void Open() => _open.Set();

        private long Invoke(long block)
        {
            if (block == 0)
            {
                SpinStarted.Set();
                return 0;
            }
            if (_gated)
            {
                _gated = false;
                _inside.Set();
                _open.Wait();
            }
            return block;
        }

        public void Dispose()
        {
            Function.Dispose();
            _inside.Dispose();
            _open.Dispose();
            SpinStarted.Dispose();
        }
    }
}
