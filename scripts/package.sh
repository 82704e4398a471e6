#!/usr/bin/env bash
# Builds what a server needs into dist/, on a machine with the Swift toolchain:
#   dist/rekey                  the binary, Swift standard library linked in, stripped
#   dist/install.sh             the installer (needs no Swift; see scripts/install.sh)
#   dist/systemd/               rekey.service and rekey.timer from cron/
#   dist/share/man/man1/        the manual (swift-argument-parser's GenerateManual plugin)
#   dist/share/bash-completion/completions/rekey, dist/share/zsh/site-functions/_rekey,
#   dist/share/fish/vendor_completions.d/rekey.fish
#   dist/share/doc/rekey/       README, the cron/ examples, the example env file and jobs
# Then copy dist/ to the server and run dist/install.sh there.
#
# Usage: scripts/package.sh [--configuration release|debug]
#   release (the default) is what you ship; debug links the same way (no Swift library)
#   and is what CI uses to check the packaging in less time (.ci/run says why).
set -euo pipefail
cd "$(dirname "$0")/.."

configuration=release
while [ $# -gt 0 ]; do
  case "$1" in
    --configuration) configuration=${2:?--configuration needs release or debug}; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument $1 (try --help)" >&2; exit 64 ;;
  esac
done
case "$configuration" in release|debug) ;; *) echo "package.sh: --configuration is release or debug" >&2; exit 64 ;; esac

# The static build has its own scratch directory. Sharing .build with the ordinary
# (dynamic) build breaks both: SwiftPM recompiles only some modules for the static link
# (Hummingbird's), and the next dynamic link of the same directory then fails with
# "cannot find -lCoreFoundation" — measured with SwiftPM 6.3.1.
build=(swift build --scratch-path .build-static --configuration "$configuration" --product rekey --static-swift-stdlib)
echo "== ${build[*]}"
"${build[@]}"
binary="$("${build[@]}" --show-bin-path)/rekey"

rm -rf dist
mkdir -p dist/systemd dist/share/man/man1 dist/share/bash-completion/completions dist/share/zsh/site-functions \
  dist/share/fish/vendor_completions.d dist/share/doc/rekey/cron dist/share/doc/rekey/jobs
cp "$binary" dist/rekey
if command -v strip >/dev/null; then strip dist/rekey; else llvm-objcopy --strip-all dist/rekey; fi
bash scripts/check-static-binary.sh dist/rekey

dist/rekey completions bash > dist/share/bash-completion/completions/rekey
dist/rekey completions zsh > dist/share/zsh/site-functions/_rekey
dist/rekey completions fish > dist/share/fish/vendor_completions.d/rekey.fish

# The plugin builds every executable of the package in .build (dynamically; in debug,
# which a developer's or CI's test build has already made, and which is quicker than
# release on a fresh machine) and runs swift-argument-parser's generate-manual on rekey:
# one page per command (rekey.1, rekey.run.1, …) in its work directory. The pages come
# from the same command definitions as the static binary's --help.
echo "== swift package generate-manual --multi-page"
# The page's date is the last commit's, so two packagings of one commit give one page.
date_args=()
if commit_date=$(git log -1 --format=%cs 2>/dev/null) && [ -n "$commit_date" ]; then date_args=(--date "$commit_date"); fi
swift package plugin generate-manual --configuration debug --multi-page --section 1 "${date_args[@]}"
manual=.build/plugins/GenerateManual/outputs/rekey
[ -f "$manual/rekey.1" ] || { echo "package.sh: the plugin wrote no $manual/rekey.1" >&2; exit 1; }
cp "$manual"/*.1 dist/share/man/man1/
# The generator keeps the blank lines of --help's discussions, which mdoc warns about
# ("Empty input line"); .Pp is mdoc's paragraph break, which is what they mean.
sed -i 's/^$/.Pp/' dist/share/man/man1/*.1

cp cron/rekey.service cron/rekey.timer dist/systemd/
cp cron/README.md cron/crontab cron/cronjob.yaml cron/cronjob-fleet.yaml cron/rekey.env.example dist/share/doc/rekey/cron/
cp jobs/*.yaml dist/share/doc/rekey/jobs/
cp README.md dist/share/doc/rekey/
install -m 0755 scripts/install.sh dist/install.sh

echo "dist/: $(du -sh dist/rekey | cut -f1) binary ($configuration, stripped), $(ls dist/share/man/man1 | wc -l) manual pages, 3 completions, the systemd unit and timer"
echo "next: copy dist/ to the server and run dist/install.sh there (--help says what it does)"
