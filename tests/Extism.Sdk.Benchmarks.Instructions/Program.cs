using System.Runtime.CompilerServices;
using Extism.Sdk;
using Extism.Sdk.Benchmarks.Instructions;

// Usage: <mode> <calls> <host calls per call> <plug-in directory>
// Makes one case, warms it up outside the measured window, then runs it <calls> times inside
// Window.Measured, the one method build/count-instructions.sh has callgrind count (toggle-collect):
// start-up, plug-in creation and the first calls are never counted, so their random variation
// (libextism seeds its hash maps per process) does not leak into the per-call figure.
if (args is ["version"])
{
    Console.WriteLine(ExtismRuntime.Version);
    return 0;
}
if (args is ["modes"])
{
    Console.WriteLine(string.Join(' ', Cases.Modes));
    return 0;
}
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: <mode> <calls> <host calls per call> <plug-in directory>; modes: " + string.Join(", ", Cases.Modes));
    return 2;
}
string mode = args[0];
int calls = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
ulong hostCalls = ulong.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
using Case c = Cases.Create(mode, hostCalls, args[3], Regression.For(mode));
long sum = c.Loop(Math.Min(calls, 20));
// The window starts from an empty nursery, so the rows that allocate meet the same number of
// collections inside it in every process.
GC.Collect();
GC.WaitForPendingFinalizers();
GC.Collect();
sum += Window.Measured(c, calls);
Console.WriteLine($"{mode}\t{calls}\t{hostCalls}\t{sum}");
return 0;

namespace Extism.Sdk.Benchmarks.Instructions
{
    /// <summary>One row of the count: a plug-in made once, and a loop of calls on it.</summary>
    internal abstract class Case : IDisposable
    {
        /// <summary>Makes <paramref name="calls"/> calls; returns a checksum so that nothing is optimised away.</summary>
        public abstract long Loop(int calls);

        public abstract void Dispose();
    }

    internal static class Window
    {
        /// <summary>
        /// The measured window. Its symbol (…Instructions_Window__Measured) is what count-instructions.sh
        /// passes to callgrind's --toggle-collect; it must stay a real, non-inlined method.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public static long Measured(Case c, int calls) => c.Loop(calls);
    }

    /// <summary>
    /// A deliberate regression for proving the gate (count-instructions.sh --regress MODE sets
    /// EXTISM_INSTRUCTIONS_REGRESS=MODE): that mode's SDK call, or host call for the host modes,
    /// takes a lock and allocates on every call, as a careless change to the call path would.
    /// It lives in this harness, never in the SDK, so no regression has to be committed to show it.
    /// </summary>
    internal sealed class Regression
    {
        private readonly object _gate = new();
        private object? _sink;

        public static Regression? For(string mode) =>
            Environment.GetEnvironmentVariable("EXTISM_INSTRUCTIONS_REGRESS") == mode ? new Regression() : null;

        [MethodImpl(MethodImplOptions.NoInlining)]
        public void Hit()
        {
            lock (_gate) _sink = new object();
            GC.KeepAlive(_sink);
        }
    }
}
