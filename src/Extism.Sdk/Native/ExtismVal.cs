using System.Runtime.InteropServices;

namespace Extism.Sdk.Native;

// The three public value types of the interop namespace. Their names (lower-case fields
// included) are fixed by the Extism.Sdk 1.x API; their layout is fixed by extism.h.

/// <summary>A WebAssembly value type, as libextism numbers them (a C <c>int</c>).</summary>
public enum ExtismValType : int
{
    /// <summary>32-bit integer.</summary>
    I32 = 0,
    /// <summary>64-bit integer.</summary>
    I64 = 1,
    /// <summary>An Extism memory offset; travels as a 64-bit integer.</summary>
    PTR = I64,
    /// <summary>32-bit float.</summary>
    F32 = 2,
    /// <summary>64-bit float.</summary>
    F64 = 3,
    /// <summary>128-bit vector. libextism cannot pass it to a host function; <see cref="HostFunction"/> refuses it.</summary>
    V128 = 4,
    /// <summary>Function reference. Not supported by libextism host functions.</summary>
    FuncRef = 5,
    /// <summary>External reference. Not supported by libextism host functions.</summary>
    ExternRef = 6,
}

/// <summary>The payload of an <see cref="ExtismVal"/>: every member starts at offset 0, like the C union.</summary>
[StructLayout(LayoutKind.Explicit, Size = 8)]
public struct ExtismValUnion
{
    /// <summary>The value when the type is <see cref="ExtismValType.I32"/>.</summary>
    [FieldOffset(0)] public int i32;
    /// <summary>The value when the type is <see cref="ExtismValType.I64"/>.</summary>
    [FieldOffset(0)] public long i64;
    /// <summary>The value when the type is <see cref="ExtismValType.PTR"/> (an Extism memory offset).</summary>
    [FieldOffset(0)] public long ptr;
    /// <summary>The value when the type is <see cref="ExtismValType.F32"/>.</summary>
    [FieldOffset(0)] public float f32;
    /// <summary>The value when the type is <see cref="ExtismValType.F64"/>.</summary>
    [FieldOffset(0)] public double f64;
}

/// <summary>
/// A typed WebAssembly value as libextism passes it to host functions: 16 bytes, the type at
/// offset 0 and the payload at offset 8 (64-bit targets).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
public struct ExtismVal
{
    /// <summary>The value's type. For outputs it is preset to the declared result type; do not change it.</summary>
    [FieldOffset(0)] public ExtismValType t;
    /// <summary>The payload; read the member that <see cref="t"/> names (the others may hold garbage).</summary>
    [FieldOffset(8)] public ExtismValUnion v;
}
