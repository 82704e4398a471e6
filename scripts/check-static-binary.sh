#!/usr/bin/env bash
# Fails unless BINARY runs without a Swift toolchain: no Swift runtime library among its
# dynamic dependencies (libswift*, libFoundation*, libdispatch, libBlocksRuntime, anything
# under /opt/swift or /usr/lib/swift) and no RPATH/RUNPATH but $ORIGIN.
# What may stay dynamic: glibc, libstdc++, libgcc_s, libsqlite3, zlib (README, "Install").
# Usage: scripts/check-static-binary.sh BINARY
set -euo pipefail
binary=${1:?usage: check-static-binary.sh BINARY}
swift_libraries='libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime|/opt/swift|/usr/lib/swift|/swift/linux'
dependencies=$(ldd "$binary")
if echo "$dependencies" | grep -E "$swift_libraries|not found"; then
  echo "check-static-binary: $binary still needs the Swift toolchain's libraries (above); build with --static-swift-stdlib" >&2
  exit 1
fi
# SwiftPM links executables with RUNPATH [$ORIGIN] (the binary's own directory): harmless.
# Anything else would send the loader into the build machine's toolchain.
if readelf -d "$binary" | grep -E '\((RPATH|RUNPATH)\)' | grep -vF 'runpath: [$ORIGIN]'; then
  echo "check-static-binary: $binary has a library search path into the build machine (above)" >&2
  exit 1
fi
glibc=$(objdump -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
glibcxx=$(objdump -T "$binary" | grep -o 'GLIBCXX_[0-9.]*' | sort -uV | tail -1)
echo "check-static-binary: $binary needs no Swift library; newest symbols: ${glibc:-no GLIBC}, ${glibcxx:-no GLIBCXX}; dynamic:" \
  $(echo "$dependencies" | awk '{print $1}' | grep -v '^linux-vdso' | xargs -n1 basename | tr '\n' ' ')
