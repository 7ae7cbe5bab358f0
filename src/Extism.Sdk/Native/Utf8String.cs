using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace Extism.Sdk.Native;

/// <summary>
/// A NUL-terminated UTF-8 copy of a string for one native call: in the caller's stack space
/// when it fits, otherwise in a pooled array returned on Dispose. No garbage either way.
/// </summary>
internal ref struct Utf8String
{
    internal const int StackSize = 256;
    private byte[]? _rented;

    /// <param name="value">The string; null, empty or containing NUL is an <see cref="ArgumentException"/> naming <paramref name="paramName"/>.</param>
    /// <param name="paramName">The caller's parameter, for the exception.</param>
    /// <param name="scratch">Stack space to use when large enough (pass <c>stackalloc byte[StackSize]</c>), or empty.</param>
    internal Utf8String(string value, string paramName, Span<byte> scratch = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, paramName);
        if (value.Contains('\0')) throw new ArgumentException($"'{value}' contains a NUL character.", paramName);
        int max = Encoding.UTF8.GetMaxByteCount(value.Length) + 1;
        Span<byte> buffer = max <= scratch.Length ? scratch : (_rented = ArrayPool<byte>.Shared.Rent(max));
        int length = Encoding.UTF8.GetBytes(value, buffer);
        buffer[length] = 0;
        Span = buffer[..(length + 1)];
    }

    /// <summary>
    /// The NUL-terminated UTF-8 of an export name: from <paramref name="cache"/> when this name was
    /// seen before, otherwise encoded into <paramref name="scratch"/> (or a pooled array) and
    /// remembered while the cache has room.
    /// </summary>
    // Inlined into the call path; the cache miss (encoding, validation) stays out of line.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Utf8String(string value, string paramName, Span<byte> scratch, ExportNameCache cache)
    {
        if (value is not null && cache.TryGet(value) is { } known)
        {
            Span = known;
            return;
        }
        this = EncodeAndRemember(value!, paramName, scratch, cache);
    }

    // Out of line: the miss validates, encodes and allocates, and inlined into the call path it
    // made every call's frame bigger and its prologue longer.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Utf8String EncodeAndRemember(string value, string paramName, Span<byte> scratch, ExportNameCache cache)
    {
        var encoded = new Utf8String(value, paramName, scratch);
        cache.Add(value, encoded.Span);
        return encoded;
    }

    /// <summary>The bytes including the terminating NUL.</summary>
    internal Span<byte> Span { get; }

    public void Dispose()
    {
        if (_rented is not null) ArrayPool<byte>.Shared.Return(_rented);
        _rented = null;
    }
}

/// <summary>UTF-8 bytes of an input string (no terminator; empty allowed), on the stack when small, else pooled.</summary>
internal ref struct Utf8Input
{
    internal const int StackSize = 1024;
    private byte[]? _rented;

    internal Utf8Input(string value, string paramName, Span<byte> scratch = default)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> buffer = max <= scratch.Length ? scratch : (_rented = ArrayPool<byte>.Shared.Rent(max));
        Span = buffer[..Encoding.UTF8.GetBytes(value, buffer)];
    }

    internal ReadOnlySpan<byte> Span { get; }

    public void Dispose()
    {
        if (_rented is not null) ArrayPool<byte>.Shared.Return(_rented);
        _rented = null;
    }
}

/// <summary>
/// The UTF-8 of the last few export names a plug-in was called with, so that the steady state of
/// a call encodes nothing (a service calls the same few exports over and over). Entries are
/// immutable and the slots are single reference writes, so threads can share it without a lock
/// (all instances of one <see cref="CompiledPlugin"/> share one; two racing adds at worst leave a
/// name uncached).
/// Bounded: a caller that invents names per call gets the stack encoding, never a growing cache.
/// </summary>
internal sealed class ExportNameCache
{
    private const int Slots = 4;
    private readonly Entry?[] _entries = new Entry?[Slots];
    private int _next;

    /// <summary>The cached NUL-terminated bytes of <paramref name="name"/>, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal byte[]? TryGet(string name)
    {
        foreach (Entry? entry in _entries)
        {
            if (entry is null) return null;
            // Callers usually pass the same string instance (a literal or a constant).
            if (ReferenceEquals(entry.Name, name) || string.Equals(entry.Name, name, StringComparison.Ordinal)) return entry.Bytes;
        }
        return null;
    }

    /// <summary>Remembers a validated name while there is room (the first four names stay).</summary>
    internal void Add(string name, ReadOnlySpan<byte> utf8WithNul)
    {
        int slot = _next;
        if (slot >= Slots) return;
        _next = slot + 1;
        _entries[slot] = new Entry(name, utf8WithNul.ToArray());
    }

    private sealed record Entry(string Name, byte[] Bytes);
}
