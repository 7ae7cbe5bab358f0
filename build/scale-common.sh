# Sourced by build/scale.sh and build/cluster-scale.sh (not run on its own): what both scale runs
# do before their first measurement. Expects $root (the repository) and $mode (quick or full).

# scale_build NAME PROJECT: builds tests/PROJECT in Release into artifacts/NAME/build and sets
# $out (artifacts/NAME/<mode>-<UTC time>, made here), $build_dir and $app (the built program).
# Exits with the build log on a failed build.
scale_build() {
  local name=$1 project=$2
  # libextism 1.41 captures a backtrace per call when these are set (see build/bench.sh).
  unset RUST_BACKTRACE RUST_LIB_BACKTRACE
  out="$root/artifacts/$name/$mode-$(date -u +%Y%m%dT%H%M%SZ)"
  build_dir="$root/artifacts/$name/build"
  mkdir -p "$out" "$build_dir"
  dotnet build "$root/tests/$project/$project.csproj" -c Release -o "$build_dir" --nologo -v quiet >"$out/build.log" 2>&1 \
    || { cat "$out/build.log"; exit 1; }
  app="$build_dir/$project"
}

# The machine line of a results header: when, how many cores, how loaded.
scale_machine() {
  echo "$(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
