#!/usr/bin/env bash
# Tests the packaging end to end, running what the Containerfile runs: scripts/package.sh,
# then dist/install.sh into a temporary DESTDIR; checks the files, their modes, that the
# installed binary starts with the toolchain hidden, the manual renders, the completions
# parse, a second install changes nothing, and a changed unit is refused without --force.
# Usage: scripts/test-package.sh [--configuration release|debug]   (passed to package.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
failures=0
checks=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
check() { checks=$((checks + 1)); }

# The Containerfile must run exactly these two scripts, or this test tests something else.
grep -qx 'RUN scripts/package.sh' Containerfile || fail "Containerfile does not RUN scripts/package.sh"
grep -qx 'RUN /tmp/dist/install.sh && rm -rf /tmp/dist' Containerfile || fail "Containerfile does not RUN /tmp/dist/install.sh"
check

bash scripts/package.sh "$@"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
cp -r dist "$root/dist"
install_log=$root/install.log
DESTDIR="$root/dest" "$root/dist/install.sh" > "$install_log"
dest=$root/dest

# Files and modes.
expect_mode() {
  check
  if [ ! -e "$2" ]; then fail "$2 was not installed"; return; fi
  [ "$(stat -c %a "$2")" = "$1" ] || fail "$2 has mode $(stat -c %a "$2"), expected $1"
}
expect_mode 755 "$dest/usr/local/bin/rekey"
expect_mode 644 "$dest/usr/local/share/man/man1/rekey.1"
expect_mode 644 "$dest/usr/local/share/man/man1/rekey.run.1"
expect_mode 644 "$dest/usr/local/share/bash-completion/completions/rekey"
expect_mode 644 "$dest/usr/local/share/zsh/site-functions/_rekey"
expect_mode 644 "$dest/usr/local/share/fish/vendor_completions.d/rekey.fish"
expect_mode 644 "$dest/usr/local/share/doc/rekey/cron/rekey.env.example"
expect_mode 644 "$dest/usr/local/share/doc/rekey/jobs/questionpro.yaml"
expect_mode 644 "$dest/etc/systemd/system/rekey.service"
expect_mode 644 "$dest/etc/systemd/system/rekey.timer"
expect_mode 750 "$dest/etc/rekey/jobs"
expect_mode 700 "$dest/var/lib/rekey"
check
cmp -s cron/rekey.service "$dest/etc/systemd/system/rekey.service" || fail "the installed unit is not cron/rekey.service"
check
find "$dest" -name '*.installing' | grep -q . && fail "install.sh left temporary files"

# The installed binary: no Swift library, and it starts with the toolchain out of sight.
installed=$dest/usr/local/bin/rekey
check
bash scripts/check-static-binary.sh "$installed" || fail "the installed binary needs the toolchain"
version=$(sed -n 's/.*static let current = "\(.*\)"/\1/p' Sources/RekeyModel/RekeyVersion.swift)
check
[ "$("$installed" --version)" = "$version" ] || fail "rekey --version is not $version"
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")
check
if unshare --mount true 2>/dev/null; then
  hidden=$(unshare --mount sh -c "mount -t tmpfs none '$toolchain' && '$installed' --version" 2>&1) ||
    fail "with $toolchain hidden the binary does not start: $hidden"
  echo "the installed binary starts with $toolchain hidden: $hidden"
elif [ "${REKEY_REQUIRE_SYSTEM_TESTS:-}" = 1 ]; then
  fail "cannot hide the toolchain (unshare --mount): CI must run this check"
else
  echo "SKIPPED system test: cannot hide the toolchain (unshare --mount needs root)"
fi
check
"$installed" validate "$dest/usr/local/share/doc/rekey/jobs" > /dev/null 2>&1 ||
  fail "the installed binary does not validate the installed example jobs"

# The manual: the header, every subcommand's page, and a render without errors.
check
grep -q '^\.Dt REKEY 1$' "$dest/usr/local/share/man/man1/rekey.1" || fail "rekey.1 has no manual header"
for command in run plan validate audit recover adopt baseline demo sandbox completions; do
  check
  [ -f "$dest/usr/local/share/man/man1/rekey.$command.1" ] || fail "no manual page rekey.$command.1"
done
check
if command -v man >/dev/null; then
  rendered=$(MANWIDTH=80 man -l "$dest/usr/local/share/man/man1/rekey.1" 2>"$root/man.err") || fail "man -l failed: $(cat "$root/man.err")"
  grep -q 'completions' <<< "$rendered" || fail "man rekey does not list the completions subcommand"
  [ ! -s "$root/man.err" ] || fail "man -l warned: $(cat "$root/man.err")"
elif command -v nroff >/dev/null; then
  rendered=$(nroff -mandoc "$dest/usr/local/share/man/man1/rekey.1")
  grep -q 'completions' <<< "$rendered" || fail "nroff cannot render rekey.1"
else
  echo "no man or nroff here: only the manual's header was checked"
fi

# The completions parse in their shells (bash always; zsh and fish where installed), and
# bash's registers a completion for rekey.
check
bash -n "$dest/usr/local/share/bash-completion/completions/rekey" || fail "bash -n rejects the bash completion"
check
bash -c ". '$dest/usr/local/share/bash-completion/completions/rekey' && complete -p rekey" > /dev/null ||
  fail "the bash completion registers nothing for rekey"
if command -v zsh >/dev/null; then check; zsh -n "$dest/usr/local/share/zsh/site-functions/_rekey" || fail "zsh -n rejects _rekey"; fi
if command -v fish >/dev/null; then
  check
  fish -n "$dest/usr/local/share/fish/vendor_completions.d/rekey.fish" || fail "fish -n rejects rekey.fish"
fi

# Idempotent: a second install succeeds and leaves the same files.
before=$(cd "$dest" && find . -type f -exec md5sum {} + | sort)
check
DESTDIR="$dest" "$root/dist/install.sh" > /dev/null || fail "a second install failed"
after=$(cd "$dest" && find . -type f -exec md5sum {} + | sort)
check
[ "$before" = "$after" ] || fail "a second install changed files"

# An existing directory keeps its mode, and install.sh says so.
chmod 0755 "$dest/var/lib/rekey"
check
# (Output is captured before grep reads it: grep -q stops reading at its match, and the
# writer's SIGPIPE would fail the pipeline under pipefail.)
reinstall=$(DESTDIR="$dest" "$root/dist/install.sh")
grep -q "/var/lib/rekey exists with mode 755" <<< "$reinstall" ||
  fail "install.sh does not report a state directory with another mode"
check
[ "$(stat -c %a "$dest/var/lib/rekey")" = 755 ] || fail "install.sh changed an existing directory's mode"
chmod 0700 "$dest/var/lib/rekey"

# A unit changed here is refused, and nothing at all is installed; --force replaces it
# and keeps the changed one.
echo "# changed here" >> "$dest/etc/systemd/system/rekey.timer"
rm "$dest/usr/local/share/man/man1/rekey.1"
status=0
DESTDIR="$dest" "$root/dist/install.sh" > /dev/null 2> "$root/refused.err" || status=$?
check
[ "$status" = 1 ] || fail "a changed unit: install.sh exited $status, expected 1"
check
grep -q -- "--force" "$root/refused.err" || fail "the refusal does not name --force"
check
[ ! -e "$dest/usr/local/share/man/man1/rekey.1" ] || fail "install.sh installed files before refusing"
check
DESTDIR="$dest" "$root/dist/install.sh" --force > /dev/null || fail "install.sh --force failed"
check
cmp -s cron/rekey.timer "$dest/etc/systemd/system/rekey.timer" || fail "--force did not replace the timer"
check
grep -q "# changed here" "$dest/etc/systemd/system/rekey.timer.old" || fail "--force did not keep the changed timer"

check
help=$("$root/dist/install.sh" --help)
grep -q DESTDIR <<< "$help" || fail "install.sh --help does not explain DESTDIR"
status=0
DESTDIR="$dest" "$root/dist/install.sh" --from "$root/nowhere" > /dev/null 2>&1 || status=$?
check
[ "$status" = 66 ] || fail "install.sh from an empty directory exited $status, expected 66"

if [ "$failures" -gt 0 ]; then
  echo "packaging: $failures of $checks checks failed" >&2
  exit 1
fi
echo "packaging: $checks checks passed ($(du -h dist/rekey | cut -f1) binary)"
