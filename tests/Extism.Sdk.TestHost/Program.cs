using Extism.Sdk;

// Each scenario prints "key: value" lines the parent test reads; exit code 0 unless it crashed.
string scenario = args.Length > 0 ? args[0] : "";
string plugins = args.Length > 1 ? args[1] : "";
try
{
    switch (scenario)
    {
        case "version":
            Console.WriteLine($"version: {ExtismRuntime.Version}");
            Console.WriteLine($"path: {ExtismRuntime.LibraryPath}");
            break;
        case "features":
            Console.WriteLine($"version: {ExtismRuntime.Version}");
            using (var plugin = new Plugin(File.ReadAllBytes(Path.Combine(plugins, "echo.wasm")), [], false))
            {
                Console.WriteLine($"echo: {plugin.Call("echo", "hi")}");
            }
            using (var compiled = new CompiledPlugin(File.ReadAllBytes(Path.Combine(plugins, "echo.wasm")), [], false))
            using (Plugin instance = compiled.Instantiate())
            {
                Console.WriteLine($"compiled: {instance.Call("echo", "ok")}");
            }
            try
            {
                using var fueled = new CompiledPlugin(File.ReadAllBytes(Path.Combine(plugins, "echo.wasm")), [], new PluginInitializationOptions { FuelLimit = 1_000_000 });
                Console.WriteLine("compiled-fuel: ok");
            }
            catch (NotSupportedException e)
            {
                Console.WriteLine($"compiled-fuel: NotSupportedException {e.Message}");
            }
            break;
        case "set-path-after-load":
            ExtismRuntime.EnsureLoaded();
            ExtismRuntime.SetLibraryPath("/tmp");
            break;
        case "log-custom":
        {
            Plugin.ConfigureCustomLogging(LogLevel.Info);
            using var plugin = new Plugin(File.ReadAllBytes(Path.Combine(plugins, "logging.wasm")), [], false);
            plugin.Call("log_all", []);
            Console.WriteLine($"id: {plugin.Id}");
            Plugin.DrainCustomLogs(line => { if (line.Contains("extism::pdk")) Console.WriteLine($"line: {line}"); });
            try { Plugin.ConfigureCustomLogging(LogLevel.Debug); }
            catch (InvalidOperationException e) { Console.WriteLine($"second: {e.GetType().Name} {e.Message}"); }
            try { Plugin.ConfigureFileLogging("stderr", LogLevel.Debug); }
            catch (InvalidOperationException e) { Console.WriteLine($"third: {e.GetType().Name}"); }
            plugin.Call("log_all", []);
            Plugin.DrainCustomLogs(line => { if (line.Contains("extism::pdk")) Console.WriteLine($"again: {line}"); });
            break;
        }
        case "log-file":
        {
            string file = args[2];
            try { Plugin.ConfigureFileLogging("/no/such/dir/x.log", LogLevel.Info); }
            catch (ArgumentException e) { Console.WriteLine($"bad-path: {e.GetType().Name}"); }
            Plugin.ConfigureFileLogging(file, LogLevel.Warn);
            using var plugin = new Plugin(File.ReadAllBytes(Path.Combine(plugins, "logging.wasm")), [], false);
            plugin.Call("log_all", []);
            Console.WriteLine("done: 1");
            break;
        }
        case "import-failures":
        {
            // libextism's own imports refusing a call: the cause is only in its log (RuntimeImportFailures).
            if (args.Length < 3 || args[2] != "no-log") Plugin.ConfigureCustomLogging(LogLevel.Error);
            void Report(string name, string file, Action<Manifest> shape, string export, byte[] input)
            {
                var manifest = new Manifest(new PathWasmSource(Path.Combine(plugins, file + ".wasm")));
                shape(manifest);
                using var plugin = new Plugin(manifest, [], false);
                // Not the instance's first call, which libextism's lazy instantiation could also fail.
                if (plugin.FunctionExists("http_status")) plugin.Call("http_status", []);
                else if (plugin.FunctionExists("busy")) plugin.Call("busy", new byte[8]);
                else plugin.Call("var_get", []);
                try { plugin.Call(export, input); Console.WriteLine($"{name}: no exception"); }
                catch (ExtismException e) { Console.WriteLine($"{name}: {e.Kind}|{e.ReturnCode}|{e.Message.Split('\n')[0]}"); }
            }
            Report("http-denied", "http", _ => { }, "http_get", "http://127.0.0.1:9/"u8.ToArray());
            Report("var-full", "config_vars", m => m.MemoryOptions = new MemoryOptions { MaxVarBytes = 1024 }, "var_put", new byte[4096]);
            Report("vars-disabled", "config_vars", m => m.MemoryOptions = new MemoryOptions { MaxVarBytes = 0 }, "var_put", new byte[16]);
            Report("bad-handle", "outcomes", _ => { }, "bad_handle", []);
            if (args.Length < 3 || args[2] != "no-log")
            {
                int entries = 0;
                Plugin.DrainCustomLogs(line => { if (line.Contains("encountered an error")) entries++; });
                Console.WriteLine($"drained: {entries}");
            }
            break;
        }
        case "registry-cache":
            return RegistryScenarios.Cache(args);
        case "host-stop":
        {
            // How libextism ends a call whose host function failed (HostFunctionTrampolines.StopGuest):
            // a function with a result hands back a result of the wrong type, one without is cancelled.
            int adds = 0;
            using var addOne = HostFunction.FromMethod<long, long>("add_one", null, (_, _) => { adds++; throw new FormatException("stop"); });
            using (var plugin = new Plugin(File.ReadAllBytes(Path.Combine(plugins, "host_loop.wasm")), [addOne], false))
            {
                try { plugin.Call("loop", BitConverter.GetBytes(100UL)); Console.WriteLine("typed: no exception"); }
                catch (ExtismException e) { Console.WriteLine($"typed: {e.Kind} rc={e.ReturnCode} calls={adds}"); }
            }
            int pings = 0;
            using var ping = HostFunction.FromMethod("ping", null, _ => { pings++; throw new FormatException("stop"); });
            using (var plugin = new Plugin(File.ReadAllBytes(Path.Combine(plugins, "host_void.wasm")), [ping], false))
            {
                try { plugin.Call("call_ping", ReadOnlySpan<byte>.Empty); Console.WriteLine("void: no exception"); }
                catch (ExtismException e) { Console.WriteLine($"void: {e.Kind} rc={e.ReturnCode} calls={pings}"); }
            }
            break;
        }
        default:
            Console.WriteLine($"unknown scenario '{scenario}'");
            return 2;
    }
}
catch (Exception e)
{
    Console.WriteLine($"exception: {e.GetType().Name}: {e.Message.Replace('\n', ' ')}");
}
return 0;
