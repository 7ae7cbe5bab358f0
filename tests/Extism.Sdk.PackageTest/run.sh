#!/usr/bin/env bash
# Builds and runs the package test against artifacts/packages (made by build/pack.sh; with
# --pack, runs build/pack.sh first). Restores into artifacts/package-test/packages, emptied of
# Extism packages first, so what runs is exactly what was packed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
source "$here/feed.sh"

if [[ "${1:-}" == "--pack" ]]; then bash "$root/build/pack.sh"; fi

sdk_version="$(version_of Extism.Sdk)" || { echo "package-test: error: no Extism.Sdk package in $feed; run build/pack.sh first" >&2; exit 2; }
rid="$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)"
runtime_package="Extism.Runtime.$rid"
if ! runtime_version="$(version_of "$runtime_package")"; then
  runtime_package="Extism.Runtime.All"
  runtime_version="$(version_of "$runtime_package")" || { echo "package-test: error: neither Extism.Runtime.$rid nor Extism.Runtime.All is in $feed; run build/pack.sh (with EXTISM_RUNTIME_SOURCE set if needed)" >&2; exit 2; }
fi

rm -rf "$root"/artifacts/package-test/packages/extism.*
echo "package-test: Extism.Sdk $sdk_version + $runtime_package $runtime_version from $feed"
cd "$here"
dotnet run -c Release --artifacts-path "$root/artifacts/package-test/build" \
  -p:ExtismSdkVersion="$sdk_version" -p:ExtismRuntimePackage="$runtime_package" -p:ExtismRuntimeVersion="$runtime_version"
