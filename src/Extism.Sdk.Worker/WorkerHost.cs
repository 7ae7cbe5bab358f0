using System.Buffers.Binary;
using System.IO.Pipes;
using Extism.Sdk.Isolation;
using Extism.Sdk.Native;
using Microsoft.Win32.SafeHandles;

namespace Extism.Sdk.Worker;

/// <summary>
/// One plug-in instance served over stdin/stdout. The main thread reads frames and runs calls one
/// at a time; while the plug-in waits in a host function, it serves the host's memory operations
/// on the plug-in's <see cref="CurrentPlugin"/> until the host's answer arrives. Cancels come on
/// their own pipe, read by a second thread, because the main thread is inside the call then.
/// </summary>
internal sealed class WorkerHost
{
    // Blocks that inputs point at are sent with the host call up to this size each, so reading
    // them in the host costs no round trip.
    private const int PrefetchLimit = 64 * 1024;

    private readonly FrameChannel _channel;
    private readonly PayloadWriter _result = new();
    private readonly PayloadWriter _resultHead = new();
    private readonly PayloadWriter _host = new();
    private readonly PayloadWriter _blocks = new();
    private readonly PayloadWriter _reply = new();
    private readonly object _gate = new();
    private uint _currentCall;
    private uint _cancelRequested;
    private bool _resultSent;
    private CancellationTokenSource? _callCancellation;
    private Plugin? _plugin;
    private long _cpuAllowanceMs = -1;

    private WorkerHost(FrameChannel channel) => _channel = channel;

    internal static int Run(string[] args)
    {
        int parent = 0;
        string? cancelPipe = null;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--parent") parent = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            else if (args[i] == "--cancel") cancelPipe = args[i + 1];
        }
        if (OperatingSystem.IsLinux())
        {
            // A host killed outright (SIGKILL) takes its workers with it, even one stuck in guest code.
            _ = NativeMethods.prctl(NativeMethods.PR_SET_PDEATHSIG, NativeMethods.SIGKILL, 0, 0, 0);
            if (parent != 0 && NativeMethods.getppid() != parent) return 3; // the parent died before prctl
        }
        var channel = new FrameChannel(Console.OpenStandardInput(), TakeStandardOutput());
        var host = new WorkerHost(channel);
        if (cancelPipe is not null) host.WatchCancels(new AnonymousPipeClientStream(PipeDirection.In, cancelPipe));
        return host.Serve();
    }

    /// <summary>
    /// The protocol's stream. On Unix, fd 1 then points at stderr, so that anything else writing
    /// to stdout (a WASI plug-in, a native library) cannot corrupt the frames.
    /// </summary>
    private static Stream TakeStandardOutput()
    {
        if (OperatingSystem.IsWindows())
        {
            Stream stdout = Console.OpenStandardOutput();
            Console.SetOut(Console.Error);
            return stdout;
        }
        int protocol = NativeMethods.dup(1);
        if (protocol < 0 || NativeMethods.dup2(2, 1) < 0) return Console.OpenStandardOutput();
        Console.SetOut(Console.Error);
        return new FileStream(new SafeFileHandle(protocol, ownsHandle: true), FileAccess.Write, bufferSize: 0);
    }

    private int Serve()
    {
        if (!_channel.TryRead(out FrameType type, out uint id, out ReadOnlySpan<byte> payload) || type != FrameType.Create) return 2;
        try
        {
            _plugin = Create(payload);
        }
        catch (Exception e)
        {
            ExtismErrorKind kind = e is ExtismException x ? x.Kind : ExtismErrorKind.Creation;
            _channel.Write(FrameType.CreateFailed, id, new PayloadWriter().I32((int)kind).String(e.Message));
            return 0;
        }
        _channel.Write(FrameType.Ready, id, new PayloadWriter().I32(Environment.ProcessId));

        while (_channel.TryRead(out type, out id, out payload))
        {
            if (type != FrameType.Call) ProtocolViolation($"expected a call, got {type}");
            RunCall(id, payload);
        }
        // stdin closed: the host is done with us (or gone).
        return 0;
    }

    /// <summary>Reads call ids from the cancel pipe on a thread of its own; the end of the pipe means the host is gone.</summary>
    private void WatchCancels(Stream pipe)
    {
        var watcher = new Thread(() =>
        {
            Span<byte> id = stackalloc byte[4];
            while (Fill(pipe, id))
            {
                uint call = BinaryPrimitives.ReadUInt32LittleEndian(id);
                lock (_gate)
                {
                    if (_currentCall == call) _callCancellation?.Cancel();
                    else _cancelRequested = call; // the call has not started yet
                }
            }
            // The host closed its end (it disposed the pool or died): leave at once, even mid-call.
            Environment.Exit(0);
        })
        { IsBackground = true, Name = "Extism worker cancels" };
        watcher.Start();
    }

    private static bool Fill(Stream stream, Span<byte> target)
    {
        while (!target.IsEmpty)
        {
            int read = stream.Read(target);
            if (read == 0) return false;
            target = target[read..];
        }
        return true;
    }

    private Plugin Create(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        bool wasi = (reader.U8() & 1) != 0;
        long timeoutMs = reader.I64();
        long fuel = reader.I64();
        _cpuAllowanceMs = reader.I64();
        byte[] manifest = reader.Bytes().ToArray();
        int count = reader.I32();
        var functions = new HostFunction[count];
        for (int i = 0; i < count; i++)
        {
            string name = reader.String();
            string ns = reader.String();
            ExtismValType[] inputs = ToTypes(reader.Bytes());
            ExtismValType[] outputs = ToTypes(reader.Bytes());
            int index = i;
            functions[i] = new HostFunction(name, inputs, outputs, null, (plugin, ins, outs) => HostCall(index, plugin, ins, outs));
            functions[i].SetNamespace(ns);
        }
        TimeSpan? timeout = timeoutMs < 0 ? null : TimeSpan.FromMilliseconds(timeoutMs);
        return Plugin.FromManifestJson(manifest, functions, new PluginInitializationOptions { WithWasi = wasi, FuelLimit = fuel < 0 ? null : fuel }, timeout);
    }

    private static ExtismValType[] ToTypes(ReadOnlySpan<byte> bytes)
    {
        var types = new ExtismValType[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) types[i] = (ExtismValType)bytes[i];
        return types;
    }

    private void RunCall(uint id, ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        string export = reader.String();
        // In the channel's buffer, which host calls read frames into: libextism copies the input into
        // the plug-in's memory when the call starts (input_offset is a memory offset), before any host call.
        ReadOnlySpan<byte> input = reader.Rest;
        var cancellation = new CancellationTokenSource();
        lock (_gate)
        {
            _currentCall = id;
            _callCancellation = cancellation;
            if (_cancelRequested == id) cancellation.Cancel();
        }
        PayloadWriter result = _result.Clear();
        _resultSent = false;
        if (_cpuAllowanceMs > 0) CpuLimit.Arm(_cpuAllowanceMs);
        try
        {
            // The output goes to the pipe straight from the plug-in's memory (valid only in this
            // callback): no copy into a payload first, which for 1 MiB costs more than the write.
            _plugin!.Call(export, input, this, static (output, host) =>
            {
                host._resultSent = true; // before the write: whatever happens after it, no second Result follows
                host._channel.Write(FrameType.Result, host._currentCall, host._resultHead.Clear().U8(0), output);
                return 0;
            }, cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            result.Clear().U8(2);
        }
        catch (ExtismException e)
        {
            result.Clear().U8(1).I32((int)e.Kind).I32(e.ReturnCode.HasValue ? 1 : 0).I32(e.ReturnCode ?? 0).String(e.Message);
        }
        catch (Exception e)
        {
            result.Clear().U8(1).I32((int)ExtismErrorKind.Unknown).I32(0).I32(0).String($"{e.GetType().Name}: {e.Message}");
        }
        finally
        {
            if (_cpuAllowanceMs > 0) CpuLimit.Disarm();
            lock (_gate)
            {
                _currentCall = 0;
                _callCancellation = null;
            }
            cancellation.Dispose();
        }
        if (!_resultSent) _channel.Write(FrameType.Result, id, result);
    }

    /// <summary>A host function of the plug-in: forwards the call to the host and serves its memory operations until it answers.</summary>
    private void HostCall(int index, CurrentPlugin plugin, Span<ExtismVal> inputs, Span<ExtismVal> outputs)
    {
        PayloadWriter call = _host.Clear().I32(index).I32(inputs.Length);
        PayloadWriter blocks = _blocks.Clear();
        int prefetched = 0;
        foreach (ExtismVal input in inputs)
        {
            call.I64(input.v.i64);
            if (input.t != ExtismValType.I64 || input.v.i64 <= 0) continue;
            try
            {
                long length = plugin.BlockLength(input.v.i64);
                if (length is <= 0 or > PrefetchLimit) continue;
                Span<byte> block = plugin.ReadBytes(input.v.i64); // bounds-checked: a forged header throws
                blocks.I64(input.v.i64).Bytes(block);
                prefetched++;
            }
            catch (ArgumentException)
            {
                // Not a block, or a forged one: the host finds out if it asks.
            }
        }
        call.I32(prefetched).Raw(blocks.WrittenSpan);
        uint callId = _currentCall;
        _channel.Write(FrameType.HostCall, callId, call);

        while (true)
        {
            if (!_channel.TryRead(out FrameType type, out uint id, out ReadOnlySpan<byte> payload)) Environment.Exit(0); // the host is gone
            var reader = new PayloadReader(payload);
            if (type == FrameType.HostReturn)
            {
                if (reader.U8() != 0) throw new IsolatedHostFunctionFailedException(reader.String());
                int count = reader.I32();
                for (int i = 0; i < count && i < outputs.Length; i++) outputs[i].v.i64 = reader.I64();
                return;
            }
            PayloadWriter reply = _reply.Clear();
            try
            {
                switch (type)
                {
                    case FrameType.MemRead: reply.U8(0).Raw(plugin.ReadBytes(reader.I64())); break;
                    case FrameType.MemLength: reply.U8(0).I64(plugin.BlockLength(reader.I64())); break;
                    case FrameType.MemWrite: reply.U8(0).I64(plugin.WriteBytes(reader.Rest)); break;
                    case FrameType.MemAlloc: reply.U8(0).I64(plugin.AllocateBlock(reader.I64())); break;
                    case FrameType.MemFree: plugin.FreeBlock(reader.I64()); reply.U8(0); break;
                    default: ProtocolViolation($"expected a host-call answer, got {type}"); break;
                }
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or ExtismException)
            {
                reply.Clear().U8(1).I32(e is ArgumentException ? 1 : e is ExtismException ? 2 : 3).String(e.Message);
            }
            _channel.Write(FrameType.MemReply, id, reply);
        }
    }

    private static void ProtocolViolation(string what)
    {
        Console.Error.WriteLine($"Extism worker: protocol violation: {what}");
        Environment.Exit(4);
    }
}

/// <summary>The host's callback for a host function threw; the host keeps the original exception.</summary>
internal sealed class IsolatedHostFunctionFailedException(string message) : Exception(message);
