using System.Buffers.Binary;
using System.Text;

namespace Extism.Sdk.Scale;

/// <summary>
/// Generated plug-ins: count-vowels in WAT, each with its own constant baked into the code, so
/// every module has different bytes and really compiles on its own (no cache entry shared).
/// libextism accepts WAT text where it takes wasm, so no wat2wasm is needed at run time.
/// </summary>
internal static class CountVowelsModule
{
    internal const string Export = "count_vowels";

    /// <summary>The WAT text of module <paramref name="id"/>: output is 8 bytes, vowels + id * 2^32.</summary>
    internal static byte[] Wat(int id) => Encoding.UTF8.GetBytes($$"""
        (module
          (import "extism:host/env" "input_length"  (func $input_length  (result i64)))
          (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
          (import "extism:host/env" "alloc"         (func $alloc         (param i64) (result i64)))
          (import "extism:host/env" "store_u64"     (func $store_u64     (param i64 i64)))
          (import "extism:host/env" "output_set"    (func $output_set    (param i64 i64)))
          (memory (export "memory") 1)
          (func (export "count_vowels") (result i32)
            (local $len i64) (local $i i64) (local $n i64) (local $c i32) (local $out i64)
            (local.set $len (call $input_length))
            (block $done
              (loop $next
                (br_if $done (i64.ge_u (local.get $i) (local.get $len)))
                (local.set $c (i32.or (call $input_load_u8 (local.get $i)) (i32.const 32)))
                (if (i32.or
                      (i32.or (i32.eq (local.get $c) (i32.const 97)) (i32.eq (local.get $c) (i32.const 101)))
                      (i32.or (i32.eq (local.get $c) (i32.const 105))
                              (i32.or (i32.eq (local.get $c) (i32.const 111)) (i32.eq (local.get $c) (i32.const 117)))))
                  (then (local.set $n (i64.add (local.get $n) (i64.const 1)))))
                (local.set $i (i64.add (local.get $i) (i64.const 1)))
                (br $next)))
            (local.set $out (call $alloc (i64.const 8)))
            (call $store_u64 (local.get $out) (i64.add (local.get $n) (i64.const {{(long)id << 32}})))
            (call $output_set (local.get $out) (i64.const 8))
            (i32.const 0))
        )
        """);

    internal static readonly byte[] Input = "Hello, World! Count these vowels, module."u8.ToArray();

    internal static readonly long Vowels = Encoding.ASCII.GetString(Input).Count(c => "aeiouAEIOU".Contains(c));

    /// <summary>True when <paramref name="output"/> is what module <paramref name="id"/> must return for <see cref="Input"/>.</summary>
    internal static bool IsExpected(int id, ReadOnlySpan<byte> output)
        => output.Length == 8 && BinaryPrimitives.ReadInt64LittleEndian(output) == Vowels + ((long)id << 32);
}
