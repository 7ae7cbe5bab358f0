#!/usr/bin/env bash
# Installs libextism for this repository. Builds the install tool into its bin folder (once,
# and again whenever its sources change), then runs it with all arguments from the caller's
# working directory, so relative --source/--output paths mean what the caller typed.
# Options: build/install-libextism.sh --help; overview: build/README.md.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project_dir="$script_dir/Extism.Installer"
# A configuration of its own, so this build never races a solution build (Debug or Release)
# of the same project that may be running in parallel, e.g. the installer's own tests.
tool_dir="$project_dir/bin/InstallTool"
tool="$tool_dir/Extism.Installer.dll"

needs_build() {
  [ ! -f "$tool" ] && return 0
  [ -n "$(find "$project_dir" \( -path "$project_dir/bin" -o -path "$project_dir/obj" \) -prune \
          -o -type f \( -name '*.cs' -o -name '*.csproj' \) -newer "$tool" -print | head -n 1)" ]
}

build_tool() {
  local log
  log="$(mktemp)"
  # No node reuse, build server or shared compiler: they would outlive this script while
  # holding its stdout open, and callers reading that to the end (MSBuild Exec, "$(...)") hang.
  if ! DOTNET_CLI_USE_MSBUILD_SERVER=0 dotnet build "$project_dir" -c InstallTool -p:Optimize=true -o "$tool_dir" \
      -nologo -v quiet -nodeReuse:false -p:UseSharedCompilation=false >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "install-libextism: error: could not build the install tool (output above); check that the .NET 10 SDK is installed and NuGet is reachable" >&2
    exit 1
  fi
  rm -f "$log"
  # An up-to-date build leaves the binary's time alone; mark it checked so we don't rebuild next time.
  touch "$tool"
}

# Parallel builds (several test projects in one "dotnet test") may all call this script at
# once; only one may build the tool. The tool itself serialises the installs.
if needs_build; then
  mkdir -p "$project_dir/obj"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$project_dir/obj/.install-tool-build.lock"
    flock 9
    if needs_build; then build_tool; fi
    exec 9>&-
  else
    # No flock on macOS; mkdir is atomic everywhere. A lock older than 5 minutes is taken to
    # be left by a killed run.
    lock_dir="$project_dir/obj/.install-tool-build.lock.d"
    waited=0
    until mkdir "$lock_dir" 2>/dev/null; do
      sleep 1
      waited=$((waited + 1))
      if [ "$waited" -ge 300 ]; then rmdir "$lock_dir" 2>/dev/null || true; waited=0; fi
    done
    trap 'rmdir "$lock_dir" 2>/dev/null || true' EXIT
    if needs_build; then build_tool; fi
    rmdir "$lock_dir" 2>/dev/null || true
    trap - EXIT
  fi
fi

exec dotnet "$tool" "$@"
