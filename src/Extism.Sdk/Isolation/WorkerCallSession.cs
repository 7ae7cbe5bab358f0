using Extism.Sdk.Native;

namespace Extism.Sdk.Isolation;

/// <summary>
/// The host's side of one worker's host calls: runs the callback for a HostCall frame, answers
/// its <see cref="RemotePlugin"/> memory operations with round trips to the worker (which waits
/// in the host function meanwhile), and parks the first exception a callback threw so that the
/// call's <see cref="ExtismErrorKind.HostFunction"/> failure can carry it, as in-process.
/// Used only by the thread making the worker's current call.
/// </summary>
internal sealed class WorkerCallSession
{
    private const int StackValues = 16;

    private readonly WorkerProcess _worker;
    private readonly PayloadWriter _request = new();
    private readonly PayloadWriter _answer = new();
    private readonly List<(long Offset, byte[] Block)> _prefetched = new();
    private uint _requestId;
    private int _hostCall;
    private bool _inHostCall;

    internal WorkerCallSession(WorkerProcess worker) => _worker = worker;

    internal IsolatedHostFunction[] Functions { get; set; } = [];

    internal object? HostContext { get; private set; }

    internal IsolatedHostFunction? CurrentFunction { get; private set; }

    /// <summary>The first exception a host callback threw during the current call.</summary>
    internal Exception? Parked { get; private set; }

    internal void Begin(object? hostContext)
    {
        HostContext = hostContext;
        Parked = null;
    }

    internal void End()
    {
        HostContext = null;
        Parked = null;
    }

    internal bool IsCurrentHostCall(int hostCall) => _inHostCall && hostCall == _hostCall;

    /// <summary>Runs the callback a HostCall frame asks for and sends the worker its answer.</summary>
    internal void Serve(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        int index = reader.I32();
        if ((uint)index >= (uint)Functions.Length) throw new InvalidDataException($"The worker called host function {index} of {Functions.Length}.");
        IsolatedHostFunction function = Functions[index];
        int inputCount = reader.I32();
        if (inputCount != function.InputTypes.Count) throw new InvalidDataException($"The worker passed {inputCount} values to '{function.Name}'.");
        int outputCount = function.OutputTypes.Count;
        Span<ExtismVal> inputs = inputCount <= StackValues ? stackalloc ExtismVal[StackValues] : new ExtismVal[inputCount];
        inputs = inputs[..inputCount];
        for (int i = 0; i < inputCount; i++)
        {
            inputs[i].t = function.InputTypes[i];
            inputs[i].v.i64 = reader.I64();
        }
        int blocks = reader.I32();
        _prefetched.Clear();
        for (int i = 0; i < blocks; i++) _prefetched.Add((reader.I64(), reader.Bytes().ToArray()));
        Span<ExtismVal> outputs = outputCount <= StackValues ? stackalloc ExtismVal[StackValues] : new ExtismVal[outputCount];
        outputs = outputs[..outputCount];
        for (int i = 0; i < outputCount; i++) outputs[i].t = function.DeclaredOutputs[i];

        PayloadWriter answer = _answer.Clear();
        _hostCall++;
        _inHostCall = true;
        CurrentFunction = function;
        try
        {
            function.Callback(new RemotePlugin(this, _hostCall), inputs, outputs);
            answer.U8(0).I32(outputCount);
            foreach (ExtismVal output in outputs) answer.I64(output.v.i64);
        }
        catch (WorkerLostException)
        {
            throw; // the worker died under the callback: the call fails with the death, not a host error
        }
        catch (Exception e)
        {
            // As in-process: the first exception is kept for the caller; the plug-in sees a failed host call.
            Parked ??= e;
            answer.Clear().U8(1).String(e.Message);
        }
        finally
        {
            _inHostCall = false;
            CurrentFunction = null;
            _prefetched.Clear();
        }
        _worker.Channel.Write(FrameType.HostReturn, 0, answer);
    }

    internal byte[] ReadBytes(long offset)
    {
        foreach ((long at, byte[] block) in _prefetched)
        {
            if (at == offset) return block.AsSpan().ToArray();
        }
        return Request(FrameType.MemRead, _request.Clear().I64(offset)).ToArray();
    }

    internal long BlockLength(long offset)
    {
        foreach ((long at, byte[] block) in _prefetched)
        {
            if (at == offset) return block.Length;
        }
        return new PayloadReader(Request(FrameType.MemLength, _request.Clear().I64(offset))).I64();
    }

    internal long WriteBytes(ReadOnlySpan<byte> bytes) => new PayloadReader(Request(FrameType.MemWrite, _request.Clear().Raw(bytes))).I64();

    internal long AllocateBlock(long length) => new PayloadReader(Request(FrameType.MemAlloc, _request.Clear().I64(length))).I64();

    internal void FreeBlock(long offset)
    {
        _prefetched.RemoveAll(entry => entry.Offset == offset);
        Request(FrameType.MemFree, _request.Clear().I64(offset));
    }

    /// <summary>One memory operation: the request, then the worker's reply (the only frame it sends while it waits in a host function).</summary>
    private ReadOnlySpan<byte> Request(FrameType type, PayloadWriter request)
    {
        uint id = ++_requestId;
        FrameType replyType;
        ReadOnlySpan<byte> payload;
        try
        {
            _worker.Channel.Write(type, id, request);
            if (!_worker.Channel.TryRead(out replyType, out _, out payload)) throw new WorkerLostException();
        }
        catch (IOException)
        {
            throw new WorkerLostException();
        }
        if (replyType != FrameType.MemReply) throw new InvalidDataException($"The worker answered {replyType} to {type}.");
        var reader = new PayloadReader(payload);
        if (reader.U8() == 0) return reader.Rest;
        int code = reader.I32();
        string message = reader.String();
        throw code switch
        {
            1 => new ArgumentException(message),
            2 => new ExtismOutOfMemoryException(message, null),
            _ => new InvalidOperationException(message),
        };
    }
}
