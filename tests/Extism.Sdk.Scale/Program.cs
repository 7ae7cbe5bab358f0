using Extism.Sdk.Scale;

// build/scale.sh runs this; see there for the modes.
string mode = args.Length > 0 ? args[0] : "sim";
string Text(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
int Arg(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
}
return mode switch
{
    "measure" => Measure.Run(Arg("--modules", 200), Arg("--instances", 500)),
    "measure-file" => Measure.RunFile(args[1], Arg("--instances", 200)),
    "header" => Print(Simulation.Header),
    "sim" => Simulation.Run(new Simulation.Settings(Text("--label", "run"), Arg("--modules", 10_000), Arg("--callers", 8), Arg("--calls", 100_000),
        double.Parse(Text("--zipf", "1.0"), System.Globalization.CultureInfo.InvariantCulture), Arg("--max-instances", 1000), Arg("--max-modules", 10_000),
        Arg("--memory-mib", 1024) * 1024L * 1024, Text("--cache-dir", Path.Combine(Path.GetTempPath(), "extism-scale-cache")))),
    _ => throw new ArgumentException($"unknown mode '{mode}'"),
};

static int Print(string text)
{
    Console.WriteLine(text);
    return 0;
}
