namespace Extism.Sdk.Tests.Resilience;

/// <summary>
/// The guests' one user host function, <c>host_op</c> (block in, block out), whose behaviour the
/// matrix switches per call: echo the block, throw, or signal that the export is running.
/// </summary>
public sealed class HostOp : IDisposable
{
    /// <summary>Returns the block it was given.</summary>
    public const int Echo = 0;
    /// <summary>Throws <see cref="InjectedFailureException"/> "injected N".</summary>
    public const int Throw = 1;
    /// <summary>Records that the export is running and returns 0 (the spin exports then loop).</summary>
    public const int Signal = 2;

    private volatile int _mode;
    private volatile int _index;
    private volatile SemaphoreSlim _running = new(0);
    private volatile bool _signalled;

    /// <summary>Creates the host function.</summary>
    public HostOp()
    {
        Function = HostFunction.FromMethod<long, long>("host_op", null, (_, block) => Invoke(block));
    }

    /// <summary>The host function to pass to the plug-in.</summary>
    public HostFunction Function { get; }

    /// <summary>Released once per <see cref="Signal"/> call since the last <see cref="Prepare"/>.</summary>
    public SemaphoreSlim Running => _running;

    /// <summary>A <see cref="Signal"/> call happened since the last <see cref="Prepare"/>: the failing export got past its prologue.</summary>
    public bool Signalled => _signalled;

    /// <summary>The behaviour for a failing call of <paramref name="kind"/>.</summary>
    public static int ModeFor(FailureKind kind) => kind switch
    {
        FailureKind.HostFunctionThrows => Throw,
        FailureKind.ManifestTimeout or FailureKind.TokenCancel or FailureKind.PluginCancel or FailureKind.Fuel => Signal,
        _ => Echo,
    };

    /// <summary>Sets the behaviour for the next call; <paramref name="index"/> goes into the thrown message.</summary>
    public void Prepare(int mode, int index)
    {
        _mode = mode;
        _index = index;
        _signalled = false;
        _running = new SemaphoreSlim(0);
    }

    private long Invoke(long block)
    {
        switch (_mode)
        {
            case Throw:
                throw new InjectedFailureException($"injected {_index}");
            case Signal:
                _signalled = true;
                _running.Release();
                return 0;
            default:
                return block;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Function.Dispose();
}

/// <summary>One plug-in to fail calls on: a plain <see cref="Plugin"/>, an instance of a <see cref="CompiledPlugin"/>, or a pool of one.</summary>
public sealed class CallTarget : IDisposable
{
    private readonly Plugin? _plugin;
    private readonly PluginPool? _pool;

    private CallTarget(Plugin? plugin, PluginPool? pool)
    {
        _plugin = plugin;
        _pool = pool;
    }

    /// <summary>The wasm file of a guest (in the tests' plugins folder).</summary>
    public static string PathOf(MatrixGuest guest) => TestPlugins.PathOf(guest == MatrixGuest.C ? "frames" : "frames_as");

    /// <summary>The manifest a cell of the matrix uses: a timeout or a memory limit where the kind needs one.</summary>
    public static Manifest ManifestFor(MatrixGuest guest, FailureKind kind)
    {
        var manifest = new Manifest(new PathWasmSource(PathOf(guest)));
        if (kind == FailureKind.ManifestTimeout) manifest.Timeout = FailureMatrix.Timeout;
        if (kind == FailureKind.MemoryLimit) manifest.MemoryOptions = new MemoryOptions { MaxPages = FailureMatrix.MaxPages };
        return manifest;
    }

    /// <summary>WASI for the C guest; fuel where the kind needs it (or as a backstop for cancels).</summary>
    public static PluginInitializationOptions OptionsFor(MatrixGuest guest, FailureKind kind, bool recycle = true) => new()
    {
        WithWasi = guest == MatrixGuest.C,
        RecycleAfterFailure = recycle,
        FuelLimit = kind switch
        {
            FailureKind.Fuel => FailureMatrix.SmallFuel,
            FailureKind.ManifestTimeout => FailureMatrix.TimeoutBackstopFuel,
            FailureKind.TokenCancel or FailureKind.PluginCancel => FailureMatrix.BackstopFuel,
            _ => null,
        },
    };

    /// <summary>
    /// Makes the target. A compiled plug-in is disposed as soon as its instance exists: an
    /// instance must stay usable (and heal) without its compiled plug-in.
    /// </summary>
    public static CallTarget Create(MatrixGuest guest, FailureKind kind, MatrixHost host, HostOp op, bool recycle = true)
    {
        Manifest manifest = ManifestFor(guest, kind);
        PluginInitializationOptions options = OptionsFor(guest, kind, recycle);
        switch (host)
        {
            case MatrixHost.Plugin:
                return new CallTarget(new Plugin(manifest, [op.Function], options), null);
            case MatrixHost.CompiledInstance:
                using (var compiled = new CompiledPlugin(manifest, [op.Function], options))
                {
                    return new CallTarget(compiled.Instantiate(), null);
                }
            default:
                return new CallTarget(null, new PluginPool(manifest, [op.Function], options, new PluginPoolOptions { MaxSize = 1 }));
        }
    }

    /// <summary>How often the plug-in replaced its native instance; null for a pool.</summary>
    public long? RecycleCount => _plugin?.RecycleCount;

    /// <summary>Calls an export; the output is copied.</summary>
    public byte[] Call(string export, byte[] input, CancellationToken token)
        => _pool is not null ? _pool.Call(export, input, token) : _plugin!.Call(export, input, token).ToArray();

    /// <summary>
    /// Runs <paramref name="action"/> with the plug-in itself; for a pool, the instance of a lease,
    /// which is given back without <see cref="PluginPool.Lease.MarkBroken"/> (as a caller that
    /// forgets would), so the instance has to cope on its own.
    /// </summary>
    public T WithPlugin<T>(Func<Plugin, T> action)
    {
        if (_pool is null) return action(_plugin!);
        using PluginPool.Lease lease = _pool.Rent();
        return action(lease.Plugin);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _plugin?.Dispose();
        _pool?.Dispose();
    }
}
