using Extism.Sdk.Isolation.Cost;

// build/isolation-cost.sh runs this. Modes:
//   cost    [--rounds N]                  the paired cost table (isolated vs in-process)
//   load    [--seconds N] [--callers N]   one tenant crashes its worker every second; counts the others' lost calls
//   hostile                               libextism-crash attacks in isolation, a sibling tenant answering meanwhile
// Exit code 1 when a call that should have succeeded failed; timings are reported, never asserted.
string mode = args.Length > 0 ? args[0] : "cost";
int Arg(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
}
Environment.SetEnvironmentVariable("RUST_BACKTRACE", null); // triples libextism's per-call cost (workers inherit it)
return mode switch
{
    "cost" => Cost.Run(Arg("--rounds", 9)),
    "load" => await Load.RunAsync(Arg("--seconds", 30), Arg("--callers", 2)),
    "hostile" => await Hostile.RunAsync(),
    _ => throw new ArgumentException($"unknown mode '{mode}' (cost, load, hostile)"),
};
