using System.Runtime.CompilerServices;
using Extism.Sdk.Native;

namespace Extism.Sdk;

// Typed factories, part 1: the shared value conversion and the overloads without a result.
// Each factory builds its ExtismFunction once, at creation; a host call then reads the arguments
// straight from libextism's ExtismVal slots and writes the result straight into the output slot,
// with no boxing and no allocation.
public sealed partial class HostFunction
{
    /// <summary>
    /// The wasm type for a .NET type parameter of the typed factories. Checked at creation so that a
    /// host call never meets an unsupported type.
    /// </summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not one of the six supported types.</exception>
    private static ExtismValType ValType<T>() where T : struct
    {
        if (typeof(T) == typeof(int) || typeof(T) == typeof(uint)) return ExtismValType.I32;
        if (typeof(T) == typeof(long) || typeof(T) == typeof(ulong)) return ExtismValType.I64;
        if (typeof(T) == typeof(float)) return ExtismValType.F32;
        if (typeof(T) == typeof(double)) return ExtismValType.F64;
        throw Unsupported(typeof(T));
    }

    private static NotSupportedException Unsupported(Type type) => new(
        $"Host functions cannot take or return {type.FullName}: only int and uint (wasm i32), long and ulong (i64), float (f32) and double (f64) are supported.");

    /// <summary>
    /// Reads an argument. The union member read is the one the wasm type of <typeparamref name="T"/>
    /// names (the runtime fills only that one; for i32 the upper bytes are undefined). The type
    /// tests are JIT-time constants, so each instantiation compiles to a single load.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Read<T>(ref ExtismVal slot) where T : struct
    {
        if (typeof(T) == typeof(int) || typeof(T) == typeof(uint)) return Unsafe.As<int, T>(ref slot.v.i32);
        if (typeof(T) == typeof(long) || typeof(T) == typeof(ulong)) return Unsafe.As<long, T>(ref slot.v.i64);
        if (typeof(T) == typeof(float)) return Unsafe.As<float, T>(ref slot.v.f32);
        if (typeof(T) == typeof(double)) return Unsafe.As<double, T>(ref slot.v.f64);
        throw Unsupported(typeof(T));
    }

    /// <summary>
    /// Writes the result into the member matching the slot's preset type, which is the type this
    /// factory declared from <typeparamref name="T"/>. The slot's type tag is never touched: a
    /// different tag makes wasmtime reject the value. Floats are stored bit for bit (NaN payloads
    /// and -0.0 survive).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write<T>(ref ExtismVal slot, T value) where T : struct
    {
        if (typeof(T) == typeof(int) || typeof(T) == typeof(uint)) Unsafe.As<int, T>(ref slot.v.i32) = value;
        else if (typeof(T) == typeof(long) || typeof(T) == typeof(ulong)) Unsafe.As<long, T>(ref slot.v.i64) = value;
        else if (typeof(T) == typeof(float)) Unsafe.As<float, T>(ref slot.v.f32) = value;
        else if (typeof(T) == typeof(double)) Unsafe.As<double, T>(ref slot.v.f64) = value;
        else throw Unsupported(typeof(T));
    }

    /// <summary>
    /// Defines a host function with no parameters and no result from a method. The returned
    /// definition is reusable across plug-ins like any other; dispose it when no more plug-ins
    /// will be created with it.
    /// </summary>
    /// <param name="functionName">Import name the plug-in uses (namespace <see cref="DefaultNamespace"/> unless changed).</param>
    /// <param name="userData">Handed back by <see cref="CurrentPlugin.GetUserData{T}"/>; kept alive while a plug-in using this function exists.</param>
    /// <param name="callback">The body. The <see cref="CurrentPlugin"/> it receives is valid only during that host call.</param>
    public static HostFunction FromMethod(string functionName, object? userData, Action<CurrentPlugin> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [], [], userData, (p, _, _) => callback(p));
    }

    /// <summary>
    /// Defines a host function with typed parameters and no result. Each type parameter is one of
    /// <see cref="int"/>, <see cref="uint"/> (wasm i32), <see cref="long"/>, <see cref="ulong"/> (i64,
    /// also Extism memory offsets), <see cref="float"/> (f32) or <see cref="double"/> (f64); values
    /// cross bit for bit. Host calls neither box nor allocate.
    /// </summary>
    /// <exception cref="NotSupportedException">A type parameter is not one of the six supported types.</exception>
    /// <inheritdoc cref="FromMethod(string, object?, Action{CurrentPlugin})"/>
    public static HostFunction FromMethod<I1>(string functionName, object? userData, Action<CurrentPlugin, I1> callback)
        where I1 : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>()], [], userData,
            (p, i, _) => callback(p, Read<I1>(ref i[0])));
    }

    /// <inheritdoc cref="FromMethod{I1}(string, object?, Action{CurrentPlugin, I1})"/>
    public static HostFunction FromMethod<I1, I2>(string functionName, object? userData, Action<CurrentPlugin, I1, I2> callback)
        where I1 : struct where I2 : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>()], [], userData,
            (p, i, _) => callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1])));
    }

    /// <inheritdoc cref="FromMethod{I1}(string, object?, Action{CurrentPlugin, I1})"/>
    public static HostFunction FromMethod<I1, I2, I3>(string functionName, object? userData, Action<CurrentPlugin, I1, I2, I3> callback)
        where I1 : struct where I2 : struct where I3 : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>(), ValType<I3>()], [], userData,
            (p, i, _) => callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]), Read<I3>(ref i[2])));
    }

    /// <inheritdoc cref="FromMethod{I1}(string, object?, Action{CurrentPlugin, I1})"/>
    public static HostFunction FromMethod<I1, I2, I3, I4>(string functionName, object? userData, Action<CurrentPlugin, I1, I2, I3, I4> callback)
        where I1 : struct where I2 : struct where I3 : struct where I4 : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>(), ValType<I3>(), ValType<I4>()], [], userData,
            (p, i, _) => callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]), Read<I3>(ref i[2]), Read<I4>(ref i[3])));
    }

    /// <inheritdoc cref="FromMethod{I1}(string, object?, Action{CurrentPlugin, I1})"/>
    public static HostFunction FromMethod<I1, I2, I3, I4, I5>(string functionName, object? userData, Action<CurrentPlugin, I1, I2, I3, I4, I5> callback)
        where I1 : struct where I2 : struct where I3 : struct where I4 : struct where I5 : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>(), ValType<I3>(), ValType<I4>(), ValType<I5>()], [], userData,
            (p, i, _) => callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]), Read<I3>(ref i[2]), Read<I4>(ref i[3]), Read<I5>(ref i[4])));
    }

    /// <inheritdoc cref="FromMethod{I1}(string, object?, Action{CurrentPlugin, I1})"/>
    public static HostFunction FromMethod<I1, I2, I3, I4, I5, I6>(string functionName, object? userData, Action<CurrentPlugin, I1, I2, I3, I4, I5, I6> callback)
        where I1 : struct where I2 : struct where I3 : struct where I4 : struct where I5 : struct where I6 : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>(), ValType<I3>(), ValType<I4>(), ValType<I5>(), ValType<I6>()], [], userData,
            (p, i, _) => callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]), Read<I3>(ref i[2]), Read<I4>(ref i[3]), Read<I5>(ref i[4]),
                Read<I6>(ref i[5])));
    }

    /// <inheritdoc cref="FromMethod{I1}(string, object?, Action{CurrentPlugin, I1})"/>
    public static HostFunction FromMethod<I1, I2, I3, I4, I5, I6, I7>(string functionName, object? userData, Action<CurrentPlugin, I1, I2, I3, I4, I5, I6, I7> callback)
        where I1 : struct where I2 : struct where I3 : struct where I4 : struct where I5 : struct where I6 : struct where I7 : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>(), ValType<I3>(), ValType<I4>(), ValType<I5>(), ValType<I6>(), ValType<I7>()], [], userData,
            (p, i, _) => callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]), Read<I3>(ref i[2]), Read<I4>(ref i[3]), Read<I5>(ref i[4]),
                Read<I6>(ref i[5]), Read<I7>(ref i[6])));
    }

    /// <inheritdoc cref="FromMethod{I1}(string, object?, Action{CurrentPlugin, I1})"/>
    public static HostFunction FromMethod<I1, I2, I3, I4, I5, I6, I7, I8>(string functionName, object? userData, Action<CurrentPlugin, I1, I2, I3, I4, I5, I6, I7, I8> callback)
        where I1 : struct where I2 : struct where I3 : struct where I4 : struct where I5 : struct where I6 : struct where I7 : struct where I8 : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>(), ValType<I3>(), ValType<I4>(), ValType<I5>(), ValType<I6>(), ValType<I7>(), ValType<I8>()], [], userData,
            (p, i, _) => callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]), Read<I3>(ref i[2]), Read<I4>(ref i[3]), Read<I5>(ref i[4]),
                Read<I6>(ref i[5]), Read<I7>(ref i[6]), Read<I8>(ref i[7])));
    }
}
