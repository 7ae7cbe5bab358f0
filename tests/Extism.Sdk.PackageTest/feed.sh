# Sourced by run.sh and publish-aot.sh: the local package feed and the version of a package in it.
feed="$root/artifacts/packages"

# The version in a file name such as Extism.Runtime.linux-x64.1.41.0.nupkg.
version_of() {
  local f
  f="$(ls "$feed"/"$1".[0-9]*.nupkg 2>/dev/null | head -n 1)"
  [[ -n "$f" ]] || return 1
  f="$(basename "$f" .nupkg)"
  echo "${f#"$1".}"
}
