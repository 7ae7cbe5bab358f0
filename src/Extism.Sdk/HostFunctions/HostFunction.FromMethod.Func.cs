namespace Extism.Sdk;

// Typed factories, part 2: the overloads with one result (see HostFunction.FromMethod.cs for the
// value conversion). The result is declared from R and written into the output slot's matching
// member; the slot's type tag is left as libextism preset it.
public sealed partial class HostFunction
{
    /// <summary>
    /// Defines a host function with no parameters and one typed result. <typeparamref name="R"/> is
    /// one of <see cref="int"/>, <see cref="uint"/> (wasm i32), <see cref="long"/>, <see cref="ulong"/>
    /// (i64, also Extism memory offsets), <see cref="float"/> (f32) or <see cref="double"/> (f64);
    /// values cross bit for bit. Host calls neither box nor allocate.
    /// </summary>
    /// <exception cref="NotSupportedException"><typeparamref name="R"/> is not one of the six supported types.</exception>
    /// <inheritdoc cref="FromMethod(string, object?, Action{CurrentPlugin})"/>
    public static HostFunction FromMethod<R>(string functionName, object? userData, Func<CurrentPlugin, R> callback)
        where R : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [], [ValType<R>()], userData,
            (p, _, o) => Write(ref o[0], callback(p)));
    }

    /// <summary>
    /// Defines a host function with typed parameters and one typed result. Each type parameter is one
    /// of <see cref="int"/>, <see cref="uint"/>, <see cref="long"/>, <see cref="ulong"/>,
    /// <see cref="float"/> or <see cref="double"/> (see <see cref="FromMethod{R}(string, object?, Func{CurrentPlugin, R})"/>).
    /// </summary>
    /// <exception cref="NotSupportedException">A type parameter is not one of the six supported types.</exception>
    /// <inheritdoc cref="FromMethod(string, object?, Action{CurrentPlugin})"/>
    public static HostFunction FromMethod<I1, R>(string functionName, object? userData, Func<CurrentPlugin, I1, R> callback)
        where I1 : struct where R : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>()], [ValType<R>()], userData,
            (p, i, o) => Write(ref o[0], callback(p, Read<I1>(ref i[0]))));
    }

    /// <inheritdoc cref="FromMethod{I1, R}(string, object?, Func{CurrentPlugin, I1, R})"/>
    public static HostFunction FromMethod<I1, I2, R>(string functionName, object? userData, Func<CurrentPlugin, I1, I2, R> callback)
        where I1 : struct where I2 : struct where R : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>()], [ValType<R>()], userData,
            (p, i, o) => Write(ref o[0], callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]))));
    }

    /// <inheritdoc cref="FromMethod{I1, R}(string, object?, Func{CurrentPlugin, I1, R})"/>
    public static HostFunction FromMethod<I1, I2, I3, R>(string functionName, object? userData, Func<CurrentPlugin, I1, I2, I3, R> callback)
        where I1 : struct where I2 : struct where I3 : struct where R : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>(), ValType<I3>()], [ValType<R>()], userData,
            (p, i, o) => Write(ref o[0], callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]), Read<I3>(ref i[2]))));
    }

    /// <inheritdoc cref="FromMethod{I1, R}(string, object?, Func{CurrentPlugin, I1, R})"/>
    public static HostFunction FromMethod<I1, I2, I3, I4, R>(string functionName, object? userData, Func<CurrentPlugin, I1, I2, I3, I4, R> callback)
        where I1 : struct where I2 : struct where I3 : struct where I4 : struct where R : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>(), ValType<I3>(), ValType<I4>()], [ValType<R>()], userData,
            (p, i, o) => Write(ref o[0], callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]), Read<I3>(ref i[2]), Read<I4>(ref i[3]))));
    }

    /// <inheritdoc cref="FromMethod{I1, R}(string, object?, Func{CurrentPlugin, I1, R})"/>
    public static HostFunction FromMethod<I1, I2, I3, I4, I5, R>(string functionName, object? userData, Func<CurrentPlugin, I1, I2, I3, I4, I5, R> callback)
        where I1 : struct where I2 : struct where I3 : struct where I4 : struct where I5 : struct where R : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>(), ValType<I3>(), ValType<I4>(), ValType<I5>()], [ValType<R>()], userData,
            (p, i, o) => Write(ref o[0], callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]), Read<I3>(ref i[2]), Read<I4>(ref i[3]), Read<I5>(ref i[4]))));
    }

    /// <inheritdoc cref="FromMethod{I1, R}(string, object?, Func{CurrentPlugin, I1, R})"/>
    public static HostFunction FromMethod<I1, I2, I3, I4, I5, I6, R>(string functionName, object? userData, Func<CurrentPlugin, I1, I2, I3, I4, I5, I6, R> callback)
        where I1 : struct where I2 : struct where I3 : struct where I4 : struct where I5 : struct where I6 : struct where R : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>(), ValType<I3>(), ValType<I4>(), ValType<I5>(), ValType<I6>()], [ValType<R>()], userData,
            (p, i, o) => Write(ref o[0], callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]), Read<I3>(ref i[2]), Read<I4>(ref i[3]), Read<I5>(ref i[4]),
                Read<I6>(ref i[5]))));
    }

    /// <inheritdoc cref="FromMethod{I1, R}(string, object?, Func{CurrentPlugin, I1, R})"/>
    public static HostFunction FromMethod<I1, I2, I3, I4, I5, I6, I7, R>(string functionName, object? userData, Func<CurrentPlugin, I1, I2, I3, I4, I5, I6, I7, R> callback)
        where I1 : struct where I2 : struct where I3 : struct where I4 : struct where I5 : struct where I6 : struct where I7 : struct where R : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>(), ValType<I3>(), ValType<I4>(), ValType<I5>(), ValType<I6>(), ValType<I7>()], [ValType<R>()], userData,
            (p, i, o) => Write(ref o[0], callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]), Read<I3>(ref i[2]), Read<I4>(ref i[3]), Read<I5>(ref i[4]),
                Read<I6>(ref i[5]), Read<I7>(ref i[6]))));
    }

    /// <inheritdoc cref="FromMethod{I1, R}(string, object?, Func{CurrentPlugin, I1, R})"/>
    public static HostFunction FromMethod<I1, I2, I3, I4, I5, I6, I7, I8, R>(string functionName, object? userData, Func<CurrentPlugin, I1, I2, I3, I4, I5, I6, I7, I8, R> callback)
        where I1 : struct where I2 : struct where I3 : struct where I4 : struct where I5 : struct where I6 : struct where I7 : struct where I8 : struct where R : struct
    {
        ArgumentNullException.ThrowIfNull(callback);
        return new(functionName, [ValType<I1>(), ValType<I2>(), ValType<I3>(), ValType<I4>(), ValType<I5>(), ValType<I6>(), ValType<I7>(), ValType<I8>()], [ValType<R>()], userData,
            (p, i, o) => Write(ref o[0], callback(p, Read<I1>(ref i[0]), Read<I2>(ref i[1]), Read<I3>(ref i[2]), Read<I4>(ref i[3]), Read<I5>(ref i[4]),
                Read<I6>(ref i[5]), Read<I7>(ref i[6]), Read<I8>(ref i[7]))));
    }
}
