using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Extism.Sdk.Isolation;

/// <summary>
/// The frames between an <see cref="IsolatedPluginPool"/> and its worker processes. A frame is
/// a 9-byte header (u32 payload length, u8 type, u32 id, little-endian) and its payload. The host
/// writes to the worker's stdin and reads its stdout; the worker's stderr is for diagnostics only.
/// Cancels take a separate pipe (the id of the call to cancel, u32 LE), so that the thread running
/// calls in the worker can read stdin itself, with no hand-off between threads on every frame.
/// </summary>
internal enum FrameType : byte
{
    // host -> worker
    /// <summary>u8 flags (1 = WASI), i64 manifest timeout ms (-1 none), i64 fuel limit per call (-1 none), i64 CPU time per call in ms (-1 none), bytes manifest JSON, i32 n, n × (string name, string namespace, bytes input types, bytes output types).</summary>
    Create = 1,
    /// <summary>string export, then the input (rest of the payload).</summary>
    Call = 2,
    /// <summary>Answer to <see cref="HostCall"/>: u8 0 then the outputs (8 bytes each), or u8 1 then string message.</summary>
    HostReturn = 4,
    /// <summary>Memory operations, only while a host call is pending: i64 offset / i64 length / the bytes.</summary>
    MemRead = 5,
    MemLength = 6,
    MemWrite = 7,
    MemAlloc = 8,
    MemFree = 9,

    // worker -> host
    /// <summary>The plug-in was created. Payload: i32 worker pid.</summary>
    Ready = 20,
    /// <summary>Creating the plug-in failed: i32 kind, string message.</summary>
    CreateFailed = 21,
    /// <summary>u8 0 then the output; u8 1 then i32 kind, i32 has return code, i32 return code, string message; u8 2: cancelled.</summary>
    Result = 22,
    /// <summary>i32 function index, i32 n, n × 8-byte values, i32 m, m × (i64 offset, bytes block): blocks the inputs point at, sent ahead.</summary>
    HostCall = 23,
    /// <summary>Answer to a memory operation: u8 0 then the result (bytes or i64), or u8 1 then string message.</summary>
    MemReply = 24,
}

/// <summary>
/// Reads and writes frames on a pair of streams. Writes are serialised (a cancel may be written
/// from another thread while a call writes); reads are for one thread at a time, and the payload
/// a read returns lives in the channel's buffer until the next read.
/// </summary>
internal sealed class FrameChannel
{
    internal const int HeaderSize = 9;
    // A frame larger than this is a protocol violation (or a garbled stream), not data to allocate for.
    internal const int MaxPayload = 1 << 30;

    private readonly Stream _input;
    private readonly Stream _output;
    private readonly object _writeGate = new();
    private bool _outputGrown; // under _writeGate
    // Bytes read from the stream: [_readStart, _readEnd) are not consumed yet.
    private byte[] _readBuffer = new byte[64 * 1024];
    private int _readStart;
    private int _readEnd;

    internal FrameChannel(Stream input, Stream output)
    {
        _input = input;
        _output = output;
    }

    // Up to this size a frame is joined into one buffer and written with one system call; above
    // it, copying the payload costs more than a second write for the header.
    private const int JoinLimit = 64 * 1024;

    internal void Write(FrameType type, uint id, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > JoinLimit)
        {
            Write(type, id, ReadOnlySpan<byte>.Empty, payload);
            return;
        }
        byte[] frame = ArrayPool<byte>.Shared.Rent(HeaderSize + payload.Length);
        try
        {
            BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
            frame[4] = (byte)type;
            BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(5), id);
            payload.CopyTo(frame.AsSpan(HeaderSize));
            lock (_writeGate)
            {
                _output.Write(frame, 0, HeaderSize + payload.Length);
                _output.Flush();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }

    internal void Write(FrameType type, uint id, PayloadWriter payload) => Write(type, id, payload.WrittenSpan);

    /// <summary>One frame whose payload is <paramref name="head"/> followed by <paramref name="tail"/> (a call's input), written without joining them first.</summary>
    internal void Write(FrameType type, uint id, PayloadWriter head, ReadOnlySpan<byte> tail) => Write(type, id, head.WrittenSpan, tail);

    private void Write(FrameType type, uint id, ReadOnlySpan<byte> first, ReadOnlySpan<byte> tail)
    {
        if (first.Length + tail.Length <= JoinLimit)
        {
            // Small: one write (one system call) beats saving a copy.
            byte[] joined = ArrayPool<byte>.Shared.Rent(first.Length + tail.Length);
            first.CopyTo(joined);
            tail.CopyTo(joined.AsSpan(first.Length));
            Write(type, id, joined.AsSpan(0, first.Length + tail.Length));
            ArrayPool<byte>.Shared.Return(joined);
            return;
        }
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteInt32LittleEndian(header, first.Length + tail.Length);
        header[4] = (byte)type;
        BinaryPrimitives.WriteUInt32LittleEndian(header[5..], id);
        lock (_writeGate)
        {
            if (!_outputGrown)
            {
                // The first large frame on this pipe: from now on such frames cross in one piece (PipeBuffer).
                _outputGrown = true;
                PipeBuffer.TryGrow(_output);
            }
            _output.Write(header);
            if (!first.IsEmpty) _output.Write(first);
            _output.Write(tail);
            _output.Flush();
        }
    }

    /// <summary>Reads the next frame; false at the end of the stream (the other side closed or died).</summary>
    /// <exception cref="InvalidDataException">The stream does not hold frames.</exception>
    internal bool TryRead(out FrameType type, out uint id, out ReadOnlySpan<byte> payload)
    {
        type = 0;
        id = 0;
        payload = default;
        if (!Ensure(HeaderSize)) return false;
        ReadOnlySpan<byte> header = _readBuffer.AsSpan(_readStart, HeaderSize);
        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length is < 0 or > MaxPayload) throw new InvalidDataException($"A frame claims {length} bytes.");
        type = (FrameType)header[4];
        id = BinaryPrimitives.ReadUInt32LittleEndian(header[5..]);
        if (!Ensure(HeaderSize + length)) return false;
        payload = _readBuffer.AsSpan(_readStart + HeaderSize, length);
        _readStart += HeaderSize + length;
        return true;
    }

    /// <summary>
    /// Makes <paramref name="count"/> unread bytes available from _readStart. Each read takes
    /// whatever the pipe holds, so a small frame usually arrives in one system call with its header.
    /// </summary>
    private bool Ensure(int count)
    {
        if (_readEnd - _readStart >= count) return true;
        if (_readBuffer.Length - _readStart < count)
        {
            // Move the unread part to the front, into a larger buffer if it does not fit.
            byte[] target = _readBuffer.Length >= count ? _readBuffer : new byte[Math.Max(count, _readBuffer.Length * 2)];
            Buffer.BlockCopy(_readBuffer, _readStart, target, 0, _readEnd - _readStart);
            _readEnd -= _readStart;
            _readStart = 0;
            _readBuffer = target;
        }
        while (_readEnd - _readStart < count)
        {
            int read = _input.Read(_readBuffer, _readEnd, _readBuffer.Length - _readEnd);
            if (read == 0) return false;
            _readEnd += read;
        }
        return true;
    }
}

/// <summary>Builds a payload; reusable after <see cref="Clear"/>.</summary>
internal sealed class PayloadWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    internal ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    internal PayloadWriter Clear()
    {
        _buffer.Clear();
        return this;
    }

    internal PayloadWriter U8(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
        return this;
    }

    internal PayloadWriter I32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    internal PayloadWriter I64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    /// <summary>Bytes with no length before them: only as the last field.</summary>
    internal PayloadWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>i32 length, then the bytes.</summary>
    internal PayloadWriter Bytes(ReadOnlySpan<byte> bytes) => I32(bytes.Length).Raw(bytes);

    internal PayloadWriter String(string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        I32(count);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(count));
        _buffer.Advance(count);
        return this;
    }
}

/// <summary>Reads a payload field by field; a short payload throws <see cref="InvalidDataException"/>.</summary>
internal ref struct PayloadReader
{
    private ReadOnlySpan<byte> _rest;

    internal PayloadReader(ReadOnlySpan<byte> payload) => _rest = payload;

    internal readonly ReadOnlySpan<byte> Rest => _rest;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > _rest.Length) throw new InvalidDataException("A frame's payload is shorter than its fields.");
        ReadOnlySpan<byte> taken = _rest[..count];
        _rest = _rest[count..];
        return taken;
    }

    internal byte U8() => Take(1)[0];

    internal int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    internal long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    internal ReadOnlySpan<byte> Bytes() => Take(I32());

    internal string String() => Encoding.UTF8.GetString(Bytes());
}
