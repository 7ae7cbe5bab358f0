using System.Runtime.InteropServices;
using CsCheck;
using Extism.Sdk.Native;

namespace Extism.Sdk.Tests.Resilience;

/// <summary>
/// Generated calls on long-lived plug-ins, as a service makes them: export names and inputs,
/// host-function behaviours, and cancel/dispose timings. After every case a normal call on the
/// same plug-in must work.
/// </summary>
public static class CallProperties
{
    private static readonly string[] KnownExports =
        ["echo", "probe", "call_host", "trap", "grow", "exit_3", "noop", "return_code", "fail_with_message", "error_return_zero", "error_empty", "bad_handle", "non_utf8", "with_params", "output_then_fail", "_initialize", "memory", ""];

    // The exports that abort mid-guest come up often enough that a plug-in which never replaced
    // its instance would overflow frames.wasm's stack well within a CI run's cases.
    private static readonly Gen<string> ExportNames = Gen.Frequency(
        (6, Gen.OneOf(KnownExports)),
        (6, Gen.OneOf("trap", "exit_3", "grow")),
        (2, Gen.String[0, 16]),
        (1, Gen.OneOf("é", "😀", "a\0b", "echo ", "ECHO", new string('x', 300))));

    /// <summary>Any export of frames.wasm or outcomes.wasm, or a made-up name, with any input; then a normal call on the same plug-in.</summary>
    public static void ExportsAndInputs(Action<string>? log, long? iterations = null)
    {
        using var op = new HostOp();
        using var frames = new Plugin(CallTarget.ManifestFor(MatrixGuest.C, FailureKind.MemoryLimit), [op.Function], new PluginInitializationOptions { WithWasi = true });
        var outcomesManifest = TestPlugins.Manifest("outcomes");
        outcomesManifest.MemoryOptions = new MemoryOptions { MaxPages = FailureMatrix.MaxPages }; // outcomes' grow never gives pages back
        using var outcomes = new Plugin(outcomesManifest, [], false);
        var gen = Gen.Select(Gen.Bool, ExportNames, Gen.Byte.Array[0, 2000], Gen.Int[0, 200]);
        Properties.Check(gen, c =>
        {
            (bool onFrames, string export, byte[] input, int pages) = c;
            if (export == "grow") input = BitConverter.GetBytes((uint)pages); // past max_pages (40) or not
            Plugin plugin = onFrames ? frames : outcomes;
            op.Prepare(HostOp.Echo, 0);
            try
            {
                plugin.Call(export, input);
            }
            catch (Exception e)
            {
                Properties.RequireDocumented(e, $"calling '{export}'");
            }
            NormalCall(plugin, op, onFrames);
        }, log, c => $"onFrames={c.Item1} export='{c.Item2}' input={c.Item3.Length} bytes pages={c.Item4}", iterations);
    }

    /// <summary>What the property's host function does on one call.</summary>
    public enum Behaviour
    {
        Echo,
        Throw,
        WrongResultType,
        HugeOutput,
        GarbageOffset,
        ReenterSamePlugin,
        CallSibling,
    }

    /// <summary>
    /// host_op behaving in each generated way, on a plain plug-in and on a compiled plug-in's
    /// instance: the call works or fails as a host-function failure (or a trap the guest makes of
    /// a garbage block); a normal call afterwards works.
    /// </summary>
    public static void HostBehaviours(Action<string>? log, long? iterations = null)
    {
        var state = new BehaviourState();
        using var fn = new HostFunction("host_op", [ExtismValType.I64], [ExtismValType.I64], state, BehaviourState.Invoke);
        Manifest manifest = CallTarget.ManifestFor(MatrixGuest.C, FailureKind.HostFunctionThrows);
        var options = new PluginInitializationOptions { WithWasi = true };
        using var plain = new Plugin(manifest, [fn], options);
        using var compiled = new CompiledPlugin(manifest, [fn], options);
        using Plugin instance = compiled.Instantiate();
        using var sibling = TestPlugins.Load("echo");
        state.Sibling = sibling;
        var gen = Gen.Select(Gen.Enum<Behaviour>(), Gen.Bool, Gen.Int[1, 8 << 20], Gen.Long);
        Properties.Check(gen, c =>
        {
            (Behaviour behaviour, bool onInstance, int size, long garbage) = c;
            Plugin plugin = onInstance ? instance : plain;
            state.Set(behaviour, plugin, size, garbage);
            try
            {
                byte[] output = plugin.Call("call_host", "payload"u8).ToArray();
                string? wrong = behaviour switch
                {
                    Behaviour.Echo or Behaviour.CallSibling => output.AsSpan().SequenceEqual("payload"u8) ? null : "output is not the payload",
                    Behaviour.HugeOutput => output.Length == size && output[^1] == (byte)size ? null : $"{output.Length} bytes, expected {size}",
                    Behaviour.GarbageOffset => null, // the guest may read nothing from it
                    _ => "the call succeeded",
                };
                if (wrong is not null) throw new PropertyViolationException($"{behaviour}: {wrong}");
            }
            catch (ExtismException e) when (behaviour is Behaviour.Throw or Behaviour.WrongResultType or Behaviour.ReenterSamePlugin)
            {
                Properties.RequireDocumented(e, behaviour.ToString());
                if (e.Kind != ExtismErrorKind.HostFunction) throw new PropertyViolationException($"{behaviour} failed as {FailureMatrix.Describe(e)}", e);
                Type expected = behaviour == Behaviour.Throw ? typeof(InjectedFailureException) : typeof(InvalidOperationException);
                if (e.InnerException?.GetType() != expected) throw new PropertyViolationException($"{behaviour}: inner {e.InnerException?.GetType().Name}", e);
            }
            catch (ExtismException e) when (behaviour is Behaviour.GarbageOffset)
            {
                Properties.RequireDocumented(e, behaviour.ToString());
            }
            state.Set(Behaviour.Echo, plugin, 0, 0);
            if (!plugin.Call("call_host", "after"u8).SequenceEqual("after"u8)) throw new PropertyViolationException("the normal call after answered wrongly");
        }, log, c => $"{c.Item1} onInstance={c.Item2} size={c.Item3} garbage={c.Item4}", iterations);
    }

    private sealed class BehaviourState
    {
        public Behaviour Behaviour;
        public Plugin? Current;
        public Plugin? Sibling;
        public int Size;
        public long Garbage;

        public void Set(Behaviour behaviour, Plugin current, int size, long garbage)
        {
            Behaviour = behaviour;
            Current = current;
            Size = size;
            Garbage = garbage;
        }

        public static void Invoke(CurrentPlugin plugin, Span<ExtismVal> inputs, Span<ExtismVal> outputs)
        {
            BehaviourState s = plugin.GetUserData<BehaviourState>()!;
            long block = inputs[0].v.i64;
            switch (s.Behaviour)
            {
                case Behaviour.Throw:
                    throw new InjectedFailureException("generated failure");
                case Behaviour.WrongResultType:
                    outputs[0].t = ExtismValType.F64;
                    outputs[0].v.f64 = 1.5;
                    return;
                case Behaviour.HugeOutput:
                {
                    byte[] big = new byte[s.Size];
                    big[^1] = (byte)s.Size;
                    outputs[0].v.i64 = plugin.WriteBytes(big);
                    return;
                }
                case Behaviour.GarbageOffset:
                    outputs[0].v.i64 = s.Garbage;
                    return;
                case Behaviour.ReenterSamePlugin:
                    s.Current!.Call("echo", "again"u8);
                    return;
                case Behaviour.CallSibling:
                    if (!s.Sibling!.Call("echo", "sibling"u8).SequenceEqual("sibling"u8)) throw new InvalidDataException("sibling answered wrongly");
                    outputs[0].v.i64 = block;
                    return;
                default:
                    outputs[0].v.i64 = block;
                    return;
            }
        }
    }

    /// <summary>What interrupts the call in a timing case.</summary>
    public enum Interruption
    {
        Token,
        PluginCancel,
        Dispose,
    }

    /// <summary>
    /// A call on frames.wasm (spin, or a short call) interrupted after a generated delay by a token,
    /// Plugin.Cancel or Dispose. The call ends documented; a cancelled plug-in answers a normal
    /// call afterwards (a disposed one is replaced). Fuel backs up cancels libextism swallows at a
    /// call's very start (README), so they end as fuel exhaustion, which is documented too.
    /// </summary>
    public static void CancelDisposeTimings(Action<string>? log, long? iterations = null)
    {
        using var op = new HostOp();
        Manifest manifest = CallTarget.ManifestFor(MatrixGuest.C, FailureKind.TokenCancel);
        var options = new PluginInitializationOptions { WithWasi = true, FuelLimit = 100_000_000 };
        Plugin plugin = new(manifest, [op.Function], options);
        long cases = 0, lateRepeats = 0;
        try
        {
            var gen = Gen.Select(Gen.Enum<Interruption>(), Gen.Int[0, 3000], Gen.Bool);
            Properties.Check(gen, c =>
            {
                (Interruption how, int delayMicros, bool spin) = c;
                op.Prepare(HostOp.Signal, 0);
                using var cts = new CancellationTokenSource();
                Plugin target = plugin;
                Task call = Task.Run(() => target.Call(spin ? "spin" : "echo", "x"u8, cts.Token).ToArray());
                SpinFor(delayMicros);
                switch (how)
                {
                    case Interruption.Token: cts.Cancel(); break;
                    case Interruption.PluginCancel: target.Cancel(); break;
                    default: target.Dispose(); break;
                }
                if (!spin || how == Interruption.Dispose || !op.Signalled)
                {
                    // A Plugin.Cancel before the call started cancels nothing: stop the spin for real.
                    while (!SpinWait.SpinUntil(() => call.IsCompleted, 10)) target.Cancel();
                }
                try
                {
                    call.GetAwaiter().GetResult();
                    if (spin) throw new PropertyViolationException("spin returned");
                }
                catch (Exception e) when (e is not PropertyViolationException)
                {
                    Properties.RequireDocumented(e, $"{how} after {delayMicros} µs");
                }
                if (how == Interruption.Dispose)
                {
                    lateRepeats += plugin.StrayInterruptRepeats;
                    plugin = new Plugin(manifest, [op.Function], options);
                }
                op.Prepare(HostOp.Echo, 0);
                cases++;
                // A cancel sent as the interrupted call was ending may reach libextism's timer
                // thread after the next call started (LateCancel.cs); the plug-in must repeat that
                // call instead of failing it with a "timeout" nobody asked for.
                NormalCall(plugin, op, true);
            }, log, c => $"{c.Item1} after {c.Item2} µs, spin={c.Item3}", iterations);
            log?.Invoke($"{cases} cases; calls repeated after a late cancel: {lateRepeats + plugin.StrayInterruptRepeats}");
        }
        finally
        {
            plugin.Dispose();
        }
    }

    private static void SpinFor(int micros)
    {
        long until = System.Diagnostics.Stopwatch.GetTimestamp() + micros * System.Diagnostics.Stopwatch.Frequency / 1_000_000;
        while (System.Diagnostics.Stopwatch.GetTimestamp() < until) Thread.SpinWait(10);
    }

    private static void NormalCall(Plugin plugin, HostOp op, bool frames)
    {
        op.Prepare(HostOp.Echo, 0);
        bool ok = frames ? plugin.Call("call_host", "normal"u8).SequenceEqual("normal"u8) : plugin.Call("non_utf8", []).Length == 4;
        if (!ok) throw new PropertyViolationException("the normal call afterwards answered wrongly");
    }
}
