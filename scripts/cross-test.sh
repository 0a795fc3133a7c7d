#!/usr/bin/env bash
# Builds the legion runtime (every .c and .S file of Sources/CLegion) and its whole C
# scenario suite (Tests/CLegionTestSupport, the table in scenario_table.c) into one
# static program for ARCH, runs it (under qemu-user for another architecture) and ends
# with the line "N passed, M failed". Exits non-zero if anything failed.
#
#   scripts/cross-test.sh x86_64|aarch64|riscv64 [SCENARIO-SUBSTRING...]
#
# Missing tools are installed with apt-get (Debian: qemu-user, gcc-ARCH-linux-gnu and
# its libc). LG_TEST_SCALE (a fraction, default 1) shrinks the long scenarios' counts
# for slow machines; every scenario still runs. Under qemu-user the whole suite takes
# about 15 s on the project's 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${1:-}
[ $# -gt 0 ] && shift
case "$arch" in
    x86_64 | aarch64 | riscv64) ;;
    *)
        echo "usage: $0 x86_64|aarch64|riscv64 [SCENARIO-SUBSTRING...]" >&2
        exit 2
        ;;
esac

native=$(uname -m)
need=()
if [ "$arch" = "$native" ]; then
    cc=${CC:-cc}
    command -v "$cc" >/dev/null || need+=(gcc)
    run=()
else
    cc=$arch-linux-gnu-gcc
    libc=$arch
    [ "$arch" = aarch64 ] && libc=arm64
    command -v "$cc" >/dev/null || need+=("gcc-$arch-linux-gnu")
    [ -d "/usr/$arch-linux-gnu/include" ] || need+=("libc6-dev-$libc-cross")
    qemu=$(command -v "qemu-$arch" || command -v "qemu-$arch-static" || true)
    [ -n "$qemu" ] || need+=(qemu-user)
fi
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: ${need[*]}"
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq "${need[@]}"
fi
if [ "$arch" != "$native" ]; then
    qemu=$(command -v "qemu-$arch" || command -v "qemu-$arch-static")
    run=("$qemu")
    export LG_TEST_EMULATED=1 # scenarios that would exhaust the emulator itself skip
fi
export LG_TEST_SCALE=${LG_TEST_SCALE:-1}

out=.build-cross/$arch
mkdir -p "$out"
sources=(Sources/CLegion/*.c Sources/CLegion/*.S Tests/CLegionTestSupport/*.c
    Tests/CLegionTestSupport/fixtures/scenario_main.c)
echo "building $out/scenarios with $cc (${#sources[@]} files)"
"$cc" -std=gnu11 -O2 -g -Wall -Wno-unused-result -Wno-format-truncation -Wno-infinite-recursion -D_GNU_SOURCE -pthread -static \
    -ISources/CLegion/include -ISources/CLegion -ITests/CLegionTestSupport/include \
    "${sources[@]}" -o "$out/scenarios" -lm

echo "running on $arch${run:+ under ${run[0]}} (LG_TEST_SCALE=$LG_TEST_SCALE)"
exec "${run[@]}" "$out/scenarios" "$@"
