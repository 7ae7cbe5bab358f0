// A host driven by an XTP schema: kitchen.xtp.yaml describes kitchen.wasm's exports, the host
// function it imports (describe) and the types they exchange. Everything typed below (IKitchen,
// Everything, Point, Fruit, KitchenJsonContext, KitchenImports) is generated from that file.
using Extism.Sdk;
using XtpSchemaSample;

string wasm = Path.Combine(AppContext.BaseDirectory, "kitchen.wasm");
var imports = new KitchenImports();
using var plugin = new Plugin(new Manifest(new PathWasmSource(wasm)), imports.GetHostFunctions(), withWasi: false);
IKitchen kitchen = IKitchen.Create(plugin);

Console.WriteLine($"shout(\"hello\")        -> {kitchen.Shout("hello")}");
Console.WriteLine($"reverseBytes([1,2,3]) -> [{string.Join(",", kitchen.ReverseBytes([1, 2, 3]))}]");
Console.WriteLine($"isEmpty(\"\")           -> {await kitchen.IsEmptyAsync("")}");

// A record with every XTP type makes a round trip through the plug-in as JSON.
var sent = new Everything
{
    Name = "round trip",
    Count = 3,
    Ratio = 0.5f,
    Ok = true,
    When = DateTimeOffset.Parse("2026-11-30T20:00:00Z"),
    Data = [0xCA, 0xFE],
    Tags = ["xtp", "host"],
    Scores = [1.5, null],
    Fruit = Fruit.BananaSplit,
    Point = new Point { X = 1, Y = 2 },
    Points = [new Point { X = 3, Y = 4 }],
    ByName = new() { ["origin"] = new Point { X = 0, Y = 0 } },
};
Everything back = kitchen.EchoEverything(sent);
Console.WriteLine($"echoEverything        -> {back.Name}, {back.Fruit}, {back.When:O}, data {Convert.ToHexString(back.Data)}, {back.ByName.Count} map entry");

// askHost calls the describe import, implemented below.
Everything described = kitchen.AskHost("wasm");
Console.WriteLine($"askHost(\"wasm\")       -> {described.Name} ({imports.Calls} host call)");

namespace XtpSchemaSample
{
    /// <summary>The schema's import: the generated partial declares it, the host implements it.</summary>
    public partial class KitchenImports
    {
        /// <summary>How many times the plug-in called describe.</summary>
        public int Calls { get; private set; }

        public partial Everything Describe(string input)
        {
            Calls++;
            return new Everything { Name = $"described by the host: {input}", Fruit = Fruit.Apple, Point = new Point(), ByName = [] };
        }
    }
}
