#!/usr/bin/env bash
# Publishes samples/AotDemo as a NativeAOT executable (trimming and AOT warnings are errors) into
# artifacts/aot/AotDemo, runs it, and prints its size. Exits non-zero if the publish fails or
# the executable's checks fail.
#
# NativeAOT for net10.0 needs Microsoft.NETCore.App.Runtime.NativeAOT.<rid>, which the NuGet
# mirror on our machines lacks, so the demo is compiled for net8.0 (whose ILCompiler package
# carries its runtime). Pass AOT_FRAMEWORK=net10.0 where that pack can be restored.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
framework="${AOT_FRAMEWORK:-net8.0}"
rid="$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)"
out="$root/artifacts/aot/AotDemo"

# The ILCompiler links with clang (or gcc) and needs zlib's headers and static library.
if ! { command -v clang >/dev/null || command -v gcc >/dev/null; } || [[ ! -f /usr/include/zlib.h ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    apt-get install -y clang zlib1g-dev >/dev/null || { apt-get update >/dev/null && apt-get install -y clang zlib1g-dev >/dev/null; }
  else
    echo "publish-aot: error: NativeAOT needs clang (or gcc) and zlib headers: apt-get install -y clang zlib1g-dev" >&2
    exit 2
  fi
fi

rm -rf "$out"
dotnet publish samples/AotDemo/AotDemo.csproj -c Release -r "$rid" -o "$out" \
  -p:AotDemoTargetFramework="$framework" --artifacts-path "$root/artifacts/aot/build" -nologo

exe="$out/AotDemo"
echo
echo "publish-aot: running $exe"
(cd / && "$exe")
size=$(stat -c %s "$exe")
echo "publish-aot: $exe is $size bytes ($((size / 1024)) KiB), $framework, $rid; beside it: $(cd "$out" && ls | grep -v '^AotDemo' | tr '\n' ' ')"
