using System.Buffers.Binary;
using System.Text;
using Xunit;

namespace Extism.Sdk.Tests.Registry;

/// <summary>Registry tests share process-wide meters and budgets' timing; they run one class at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RegistryCollection
{
    internal const string Name = "Registry";
}

/// <summary>Small generated plug-ins for registry tests: each answers <c>get</c> with its own number.</summary>
internal static class RegistryFixtures
{
    internal const string Export = "get";

    /// <summary>WAT text of a plug-in whose export <c>get</c> outputs <paramref name="value"/> as 8 little-endian bytes.</summary>
    internal static byte[] Constant(long value) => Encoding.UTF8.GetBytes($$"""
        (module
          (import "extism:host/env" "alloc"      (func $alloc      (param i64) (result i64)))
          (import "extism:host/env" "store_u64"  (func $store_u64  (param i64 i64)))
          (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
          (func (export "get") (result i32)
            (local $out i64)
            (local.set $out (call $alloc (i64.const 8)))
            (call $store_u64 (local.get $out) (i64.const {{value}}))
            (call $output_set (local.get $out) (i64.const 8))
            (i32.const 0)))
        """);

    internal static long Read(byte[] output) => BinaryPrimitives.ReadInt64LittleEndian(output);

    /// <summary>A resolver for keys "k&lt;n&gt;" that answers n, counting calls per key.</summary>
    internal sealed class CountingResolver
    {
        private readonly Dictionary<string, int> _calls = new();

        internal Func<string, long> Value { get; set; } = key => long.Parse(key.AsSpan(1));

        internal Func<string, PluginDefinition, PluginDefinition> Shape { get; set; } = (_, d) => d;

        internal int Calls(string key)
        {
            lock (_calls) return _calls.GetValueOrDefault(key);
        }

        internal ValueTask<PluginDefinition> Resolve(string key, CancellationToken _)
        {
            lock (_calls) _calls[key] = _calls.GetValueOrDefault(key) + 1;
            return ValueTask.FromResult(Shape(key, new PluginDefinition(Constant(Value(key)))));
        }
    }

    internal static async Task<long> Get(PluginRegistry registry, string key)
        => Read(await registry.CallAsync(key, Export, ReadOnlyMemory<byte>.Empty));
}
