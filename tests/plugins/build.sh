#!/usr/bin/env bash
# Rebuilds every test plug-in in wasm/ from the sources next to this script.
# The .wasm files are committed, so only people changing a plug-in need this.
#
# Toolchains: wabt, clang-14 + lld-14 + wasi-libc (wasm32-wasi), and node/npm
# for AssemblyScript (versions pinned in as/package-lock.json). Missing Debian
# packages are installed when running as root; otherwise the script stops and
# names them. Any failure stops the build.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
out="wasm"

die() {
    echo "build.sh: error: $*" >&2
    exit 1
}

# ---------------------------------------------------------------- toolchains

have_pkg() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

missing=()
need() { # need <debian package> <test command...>
    local pkg="$1"
    shift
    if ! "$@" >/dev/null 2>&1; then missing+=("$pkg"); fi
}
need wabt command -v wat2wasm
need clang-14 command -v clang-14
need lld-14 command -v wasm-ld-14
if command -v dpkg-query >/dev/null 2>&1; then
    need wasi-libc have_pkg wasi-libc
    need libclang-rt-14-dev-wasm32 have_pkg libclang-rt-14-dev-wasm32
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
fi

if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        die "missing packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})"
    fi
    command -v apt-get >/dev/null 2>&1 || die "missing packages: ${missing[*]} and no apt-get"
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update
    apt-get -o DPkg::Lock::Timeout=600 install -y "${missing[@]}"
fi

# npm ci when node_modules is absent or older than the lock file.
if [[ ! -x as/node_modules/.bin/asc ||
    as/package-lock.json -nt as/node_modules/.package-lock.json ]]; then
    echo "npm ci in as/"
    (cd as && npm ci --no-audit --no-fund)
fi

# ------------------------------------------------------------------- helpers

mkdir -p "$out"
built=()

report() { # report <name> <source>
    local size
    size=$(wc -c <"$out/$1.wasm")
    built+=("$(printf '%-24s %7d bytes  from %s' "$1.wasm" "$size" "$2")")
}

imports_of() {
    wasm-objdump -x "$out/$1.wasm" | sed -n 's/.* <- \([^.]*\)\..*/\1/p' | sort -u
}

# Fails the build if a module imports from a namespace it must not use.
forbid_import() { # forbid_import <name> <module>
    local modules
    modules="$(imports_of "$1")"
    if grep -qxF "$2" <<<"$modules"; then
        die "$1.wasm imports from '$2'"
    fi
}

wat() { # wat <name>
    wat2wasm --debug-names "wat/$1.wat" -o "$out/$1.wasm"
    report "$1" "wat/$1.wat"
}

CFLAGS=(--target=wasm32-wasi -O2 -Wall -Wextra -Werror -Wl,--strip-debug)

c_reactor() { # c_reactor <name>: exports + _initialize, no main
    clang-14 "${CFLAGS[@]}" -mexec-model=reactor -o "$out/$1.wasm" "c/$1.c"
    report "$1" "c/$1.c"
}

# Fails the build unless export <func> of <name> moves __stack_pointer itself:
# the frames plug-ins exist to keep frames on the shadow stack.
require_shadow_frame() { # require_shadow_frame <name> <func>
    wasm-objdump -d "$out/$1.wasm" |
        awk -v f="<$2>:" 'index($0, f) && /func\[[0-9]+\] </ {p = 1; next}
            /func\[[0-9]+\] </ {p = 0}
            p && /global.set 0 <__stack_pointer>/ {found = 1}
            END {exit !found}' ||
        die "$1.wasm: export $2 does not set __stack_pointer"
}

c_command() { # c_command <name>: _start runs main
    clang-14 "${CFLAGS[@]}" -mexec-model=command -o "$out/$1.wasm" "c/$1.c"
    report "$1" "c/$1.c"
}

assemblyscript() { # assemblyscript <name> [extra asc options...]
    local name="$1"
    shift
    (cd as && node_modules/.bin/asc "assembly/$name.ts" --outFile "../$out/$name.wasm" \
        --optimize --use abort=assembly/common/abortHandler "$@")
    set -- "$name"
    forbid_import "$1" env
    report "$1" "as/assembly/$1.ts"
}

# ------------------------------------------------------------------ plug-ins

for name in echo outcomes config_vars logging host_types host_bytes host_loop \
    host_void host_ns linked_lib linked_main hostile \
    hostile_start hostile_initialize hostile_lib hostile_main hostile_second_start; do
    wat "$name"
done

for name in count_vowels http json_transform kitchen; do
    c_reactor "$name"
    forbid_import "$name" wasi_snapshot_preview1 # must run with WASI off
done
c_reactor wasi
c_command command

# frames.wasm: a 32 KiB shadow stack placed first in memory (as Rust places it), so
# a few dozen aborted calls overflow it (see README.md). Needs WASI (exit_3).
clang-14 "${CFLAGS[@]}" -mexec-model=reactor -Wl,-z,stack-size=32768 -Wl,--stack-first \
    -o "$out/frames.wasm" c/frames.c
report frames c/frames.c
for f in echo probe call_host trap spin grow exit_3; do require_shadow_frame frames "$f"; done

assemblyscript greet
assemblyscript kv
# A 1 KiB shadow stack instead of asc's 32 KiB, so a few dozen aborted calls overflow it.
assemblyscript frames_as --stackSize 1024

# Every module: nothing from `env`, which no Extism host provides.
for f in "$out"/*.wasm; do
    forbid_import "$(basename "$f" .wasm)" env
done

echo "built ${#built[@]} plug-ins into tests/plugins/$out:"
printf '  %s\n' "${built[@]}"
