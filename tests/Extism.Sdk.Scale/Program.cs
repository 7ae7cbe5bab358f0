using Extism.Sdk.Scale;

// build/scale.sh runs this; see there for the modes.
string mode = args.Length > 0 ? args[0] : "sim";
int Arg(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
}
return mode switch
{
    "measure" => Measure.Run(Arg("--modules", 200), Arg("--instances", 500)),
    "measure-file" => Measure.RunFile(args[1], Arg("--instances", 200)),
    _ => throw new ArgumentException($"unknown mode '{mode}'"),
};
