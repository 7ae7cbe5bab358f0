#!/usr/bin/env bash
# Packs every package of the repository into artifacts/packages:
#   Extism.Sdk, Extism.Sdk.Extensions.Logging, Extism.Sdk.Extensions.Hosting,
#   Extism.Sdk.Extensions.Orleans                (managed code, with .snupkg symbols)
#   Extism.Runtime.<rid>                        for each RID whose libextism is installed
#   Extism.Runtime.All                          only when all seven RIDs are installed
#
# With EXTISM_RUNTIME_SOURCE set (a mirror, see build/README.md) or --all-rids given, it first
# installs libextism for every RID, so all runtime packages can be made. Otherwise it packs the
# RIDs already under native/runtimes and names the ones it skipped.
#
# Options: --output DIR (default artifacts/packages), --configuration C (default Release),
#          --version V (Extism.Sdk* package version), --all-rids, --no-runtime
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

output="artifacts/packages"
configuration="Release"
version=""
install_all=""
runtime=1
[[ -n "${EXTISM_RUNTIME_SOURCE:-}" ]] && install_all=1

while [[ $# -gt 0 ]]; do
  case "$1" in
    --output) output="$2"; shift 2 ;;
    --configuration|-c) configuration="$2"; shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --all-rids) install_all=1; shift ;;
    --no-runtime) runtime=0; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "pack: error: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

mkdir -p "$output"
output="$(cd "$output" && pwd)"
# Stale packages from an earlier run would be restored by the package test as if just built.
rm -f "$output"/Extism.*.nupkg "$output"/Extism.*.snupkg

# A separate artifacts path keeps this build from fighting over bin/obj with IDE or test builds.
build_dir="$root/artifacts/pack-build"
common=(-c "$configuration" -o "$output" --artifacts-path "$build_dir" -nologo -v:minimal)
[[ -n "$version" ]] && common+=("-p:Version=$version")

echo "pack: managed packages -> $output"
dotnet pack src/Extism.Sdk/Extism.Sdk.csproj "${common[@]}"
dotnet pack src/Extism.Sdk.Extensions.Logging/Extism.Sdk.Extensions.Logging.csproj "${common[@]}"
dotnet pack src/Extism.Sdk.Extensions.Hosting/Extism.Sdk.Extensions.Hosting.csproj "${common[@]}"
dotnet pack src/Extism.Sdk.Extensions.Orleans/Extism.Sdk.Extensions.Orleans.csproj "${common[@]}"
[[ -f README.md ]] || echo "pack: warning: no README.md at the repository root, so Extism.Sdk carries no readme" >&2

rids=(linux-x64 linux-arm64 linux-musl-x64 linux-musl-arm64 osx-x64 osx-arm64 win-x64)
library_of() {
  case "$1" in
    osx-*) echo libextism.dylib ;;
    win-*) echo extism.dll ;;
    *) echo libextism.so ;;
  esac
}

packed_rids=()
missing_rids=()
if [[ $runtime == 1 ]]; then
  if [[ -n "$install_all" ]]; then
    echo "pack: installing libextism for all RIDs (source: ${EXTISM_RUNTIME_SOURCE:-github})"
    if ! bash build/install-libextism.sh --all-rids --quiet; then
      echo "pack: warning: installing every RID failed; packing the RIDs that are installed" >&2
    fi
  fi
  for rid in "${rids[@]}"; do
    if [[ -f "native/runtimes/$rid/native/$(library_of "$rid")" ]]; then packed_rids+=("$rid"); else missing_rids+=("$rid"); fi
  done
  # Versions and contents come from each RID's install stamp (native/Directory.Build.targets).
  if [[ ${#missing_rids[@]} -eq 0 ]]; then
    # Everything is there: the solution packs all seven and Extism.Runtime.All in one build.
    dotnet pack native/Extism.Runtime.sln -c "$configuration" -o "$output" --artifacts-path "$build_dir" -nologo -v:minimal
  else
    for rid in ${packed_rids[@]+"${packed_rids[@]}"}; do
      dotnet pack "native/Extism.Runtime.$rid/Extism.Runtime.$rid.csproj" -c "$configuration" -o "$output" \
        --artifacts-path "$build_dir" -nologo -v:minimal
    done
  fi
fi

echo
echo "pack: packages in $output:"
(cd "$output" && ls -1 Extism.*.nupkg Extism.*.snupkg 2>/dev/null | sed 's/^/  /')
if [[ $runtime == 1 ]]; then
  echo "pack: runtime RIDs packed: ${packed_rids[*]:-none}"
  if [[ ${#missing_rids[@]} -gt 0 ]]; then
    echo "pack: runtime RIDs NOT packed (libextism not installed): ${missing_rids[*]}"
    echo "pack: Extism.Runtime.All NOT packed (it needs every RID); run build/install-libextism.sh --all-rids, or set EXTISM_RUNTIME_SOURCE"
  fi
fi
