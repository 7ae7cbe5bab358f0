#!/usr/bin/env bash
# Publishes the package test (restored from artifacts/packages, like run.sh) as a NativeAOT
# executable with trimming and AOT warnings as errors, then runs it. This is what a customer's
# AOT app using the generated contracts from the Extism.Sdk package gets.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$here/feed.sh"
sdk_version="$(version_of Extism.Sdk)" || { echo "package-test-aot: error: no Extism.Sdk package in $feed; run build/pack.sh first" >&2; exit 2; }
rid="$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)"
runtime_version="$(version_of "Extism.Runtime.$rid")" || { echo "package-test-aot: error: no Extism.Runtime.$rid in $feed" >&2; exit 2; }
out="$root/artifacts/package-test/aot"
rm -rf "$root"/artifacts/package-test/packages/extism.* "$out"
cd "$here"
dotnet publish -c Release -r "$rid" -o "$out" --artifacts-path "$root/artifacts/package-test/aot-build" -nologo \
  -p:PackageTestAot=true -p:ExtismSdkVersion="$sdk_version" \
  -p:ExtismRuntimePackage="Extism.Runtime.$rid" -p:ExtismRuntimeVersion="$runtime_version"
echo "package-test-aot: running $out/Extism.Sdk.PackageTest"
"$out/Extism.Sdk.PackageTest"
