#!/usr/bin/env bash
# Checks the scheduler examples in cron/ against the built binary:
# - the crontab line runs under dash (cron's /bin/sh) from $HOME, and rekey accepts every
#   argument (with an empty jobs directory it must exit 66 "no jobs", not 64 "usage");
# - rekey.service and rekey.timer pass `systemd-analyze verify`;
# - the CronJob parses as YAML and its args are a command line rekey accepts.
set -euo pipefail
cd "$(dirname "$0")/.."
rekey="$PWD/.build/debug/rekey"
[ -x "$rekey" ] || swift build --product rekey
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/jobs"

line=$(grep -v '^[[:space:]]*#' cron/crontab | grep -v '^[A-Z_]*=' | grep -v '^[[:space:]]*$' | head -1)
cmd=$(echo "$line" | awk '{for (i = 6; i <= NF; i++) printf "%s ", $i}')
case "$cmd" in *%*) echo "crontab: unescaped % in the command" >&2; exit 1 ;; esac
cmd=$(echo "$cmd" | sed "s|/usr/local/bin/rekey|$rekey|; s|/etc/rekey/jobs|$work/jobs|; s|/var/lib/rekey|$work/state|; s|/var/lib/node_exporter/textfile|$work|")
status=0
(cd "$HOME" && dash -c "$cmd" </dev/null >/dev/null 2>&1) || status=$?
[ "$status" -eq 66 ] || { echo "crontab line under dash exited $status, expected 66 (no jobs)" >&2; exit 1; }
echo "crontab: runs under dash (exit 66 on an empty jobs directory, as expected)"

mkdir -p "$work/units"
sed "s|/usr/local/bin/rekey|$rekey|" cron/rekey.service > "$work/units/rekey.service"
cp cron/rekey.timer "$work/units/rekey.timer"
systemd-analyze verify "$work/units/rekey.service" "$work/units/rekey.timer"
echo "systemd: rekey.service and rekey.timer verify"

args=$(python3 -c 'import sys, yaml
d = yaml.safe_load(open("cron/cronjob.yaml"))
assert d["kind"] == "CronJob" and d["spec"]["concurrencyPolicy"] == "Forbid"
pod = d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
assert pod["terminationGracePeriodSeconds"] > 60
print(" ".join(pod["containers"][0]["args"]))')
args=$(echo "$args" | sed "s|/etc/rekey/jobs|$work/jobs|; s|/data/rekey-state|$work/state|")
status=0
"$rekey" $args </dev/null >/dev/null 2>&1 || status=$?
[ "$status" -eq 66 ] || { echo "CronJob args exited $status, expected 66 (no jobs)" >&2; exit 1; }
echo "kubernetes: cronjob.yaml parses and its args are a rekey command line"
