#!/bin/sh
# Installs rekey from a dist/ directory that scripts/package.sh made, on a server with no
# Swift: only sh and coreutils. Safe to run again (an upgrade replaces the binary, the
# manual and the completions); it never enables or starts anything.
set -eu
# Directories this creates on the way (share/zsh, …) must be readable by every user.
umask 022

usage() {
  cat <<'HELP'
Usage: install.sh [--force] [--from DIST]

Installs rekey from DIST (default: the directory holding this script when it is dist/
itself, else ../dist beside scripts/):

  $PREFIX/bin/rekey                                   the binary (0755)
  $PREFIX/share/man/man1/rekey*.1                     the manual: man rekey, man rekey.run
  $PREFIX/share/bash-completion/completions/rekey     bash completion
  $PREFIX/share/zsh/site-functions/_rekey             zsh completion
  $PREFIX/share/fish/vendor_completions.d/rekey.fish  fish completion
  $PREFIX/share/doc/rekey/                            README, cron/ examples, example jobs
  /etc/systemd/system/rekey.service, rekey.timer      not enabled: you enable the timer
  /etc/rekey/jobs/                                    your job files (0750, created if missing)
  /var/lib/rekey/                                     the state directory (0700, created if missing)

Environment: PREFIX (default /usr/local); DESTDIR, prepended to every path (packaging and
tests); SYSTEMD_UNIT_DIR (default /etc/systemd/system).

A unit or timer you changed is not overwritten: install.sh stops before changing anything
and says which; --force replaces it, keeping yours as rekey.service.old. Existing
directories keep their owner and mode (a looser one is reported). Nothing is enabled or
started; the last lines say what to do next.
HELP
}

force=no
dist=
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=yes; shift ;;
    --from) dist=${2:?--from needs a directory}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (try --help)" >&2; exit 64 ;;
  esac
done

here=$(cd "$(dirname "$0")" && pwd)
if [ -z "$dist" ]; then
  if [ -x "$here/rekey" ]; then dist=$here; else dist=$here/../dist; fi
fi
[ -x "$dist/rekey" ] || { echo "install.sh: no rekey binary in $dist: run scripts/package.sh first (where Swift is), or pass --from DIST" >&2; exit 66; }

prefix=${PREFIX:-/usr/local}
destdir=${DESTDIR:-}
units=$destdir${SYSTEMD_UNIT_DIR:-/etc/systemd/system}
bin=$destdir$prefix/bin
share=$destdir$prefix/share

# The binary must start here before anything is changed: a glibc older than it needs,
# or a missing libsqlite3-0, is said now, not at 2 a.m.
if ! version=$("$dist/rekey" --version 2>&1); then
  echo "install.sh: $dist/rekey does not start on this machine:" >&2
  echo "$version" >&2
  echo "It needs glibc >= 2.35, libstdc++6 with GLIBCXX_3.4.30, libsqlite3-0 and zlib (Debian 12, Ubuntu 22.04 or newer; apt-get install libsqlite3-0)." >&2
  exit 69
fi

# Refuse before changing anything when a unit was changed here.
for unit in rekey.service rekey.timer; do
  target=$units/$unit
  if [ -e "$target" ] && ! cmp -s "$dist/systemd/$unit" "$target"; then
    if [ "$force" = yes ]; then
      cp -p "$target" "$target.old"
      echo "install.sh: replacing $target (yours is kept as $target.old)"
    else
      echo "install.sh: $target differs from the shipped $unit (changed here?); nothing was installed." >&2
      echo "  Keep yours and put changes in a drop-in (systemctl edit $unit), or run install.sh --force" >&2
      echo "  to replace it (yours is kept as $target.old). See: diff $target $dist/systemd/$unit" >&2
      exit 1
    fi
  fi
done

# Copies FILE to TARGET with MODE, through a temporary name and a rename, so a running
# rekey or a reading shell never sees half a file.
put() {
  mkdir -p "$(dirname "$3")"
  cp "$2" "$3.installing"
  chmod "$1" "$3.installing"
  mv -f "$3.installing" "$3"
}

# Creates DIRECTORY with MODE when missing; an existing one is left as it is, and said so
# when its mode differs.
directory() {
  if [ -d "$2" ]; then
    current=$(stat -c %a "$2")
    [ "$current" = "$1" ] || echo "install.sh: $2 exists with mode $current (expected $1); left as it is"
  else
    mkdir -p "$(dirname "$2")"
    mkdir -m "$1" "$2"
  fi
}

put 0755 "$dist/rekey" "$bin/rekey"
for page in "$dist"/share/man/man1/*.1; do put 0644 "$page" "$share/man/man1/$(basename "$page")"; done
put 0644 "$dist/share/bash-completion/completions/rekey" "$share/bash-completion/completions/rekey"
put 0644 "$dist/share/zsh/site-functions/_rekey" "$share/zsh/site-functions/_rekey"
put 0644 "$dist/share/fish/vendor_completions.d/rekey.fish" "$share/fish/vendor_completions.d/rekey.fish"
(cd "$dist/share/doc/rekey" && find . -type f) | while read -r file; do
  put 0644 "$dist/share/doc/rekey/$file" "$share/doc/rekey/$file"
done
for unit in rekey.service rekey.timer; do put 0644 "$dist/systemd/$unit" "$units/$unit"; done
directory 0755 "$destdir/etc/rekey"
directory 0750 "$destdir/etc/rekey/jobs"
directory 0700 "$destdir/var/lib/rekey"

echo "installed $version: $bin/rekey, its manual, completions, $units/rekey.{service,timer}"
echo "next:"
echo "  1. job files into /etc/rekey/jobs (examples: $prefix/share/doc/rekey/jobs), then: rekey validate /etc/rekey/jobs"
echo "  2. {env:} credentials into /etc/rekey/env, mode 0600 (list: $prefix/share/doc/rekey/cron/rekey.env.example)"
echo "  3. every sink directory into ReadWritePaths= (systemctl edit rekey.service)"
echo "  4. rekey baseline, rekey run --dry-run --probe, then: systemctl daemon-reload && systemctl enable --now rekey.timer"
