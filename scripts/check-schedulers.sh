#!/usr/bin/env bash
# Checks the scheduler examples in cron/ against the built binary and the jobs/ examples:
# - the crontab line runs under dash (cron's /bin/sh) from $HOME, and rekey accepts every
#   argument (with an empty jobs directory it must exit 66 "no jobs", not 64 "usage"); it
#   reads /etc/rekey/env when there is one, and starts without it;
# - rekey.service and rekey.timer pass `systemd-analyze verify`;
# - the CronJob parses as YAML and its args are a command line rekey accepts;
# - cron/ matches jobs/*.yaml: every sink directory is in the unit's ReadWritePaths, every
#   {env: VAR} is in cron/rekey.env.example and the CronJob's env, every {file: PATH} input
#   is visible to the unit (not under /home, /root or /tmp) and mounted in the CronJob.
# Usage: scripts/check-schedulers.sh [JOBS_DIR [CRON_DIR]] (defaults: jobs cron).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs_dir=${1:-jobs}
cron_dir=${2:-cron}
rekey="$PWD/.build/debug/rekey"
[ -x "$rekey" ] || swift build --product rekey
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/jobs"

line=$(grep -v '^[[:space:]]*#' "$cron_dir/crontab" | grep -v '^[A-Z_]*=' | grep -v '^[[:space:]]*$' | head -1)
cmd=$(echo "$line" | awk '{for (i = 6; i <= NF; i++) printf "%s ", $i}')
case "$cmd" in *%*) echo "crontab: unescaped % in the command" >&2; exit 1 ;; esac
case "$cmd" in *" . /etc/rekey/env"*) ;; *) echo "crontab: the command does not read /etc/rekey/env" >&2; exit 1 ;; esac
local_cmd=$(echo "$cmd" | sed "s|/usr/local/bin/rekey|$rekey|; s|/etc/rekey/jobs|$work/jobs|; s|/etc/rekey/env|$work/env|g; s|/var/lib/rekey|$work/state|; s|/var/lib/node_exporter/textfile|$work|")
status=0
(cd "$HOME" && env -i HOME="$HOME" PATH=/usr/bin:/bin dash -c "$local_cmd" </dev/null >/dev/null 2>&1) || status=$?
[ "$status" -eq 66 ] || { echo "crontab line under dash exited $status, expected 66 (no jobs)" >&2; exit 1; }
# With an env file, its variables reach rekey: a stand-in binary records its environment.
printf '#!/bin/sh\nenv > %s\n' "$work/seen-env" > "$work/stand-in"
chmod +x "$work/stand-in"
printf "REKEY_CRON_ENV_PROBE='a value with spaces and \$dollar'\n" > "$work/env"
probe_cmd=$(echo "$local_cmd" | sed "s|$rekey|$work/stand-in|")
(cd "$HOME" && env -i HOME="$HOME" PATH=/usr/bin:/bin dash -c "$probe_cmd" </dev/null >/dev/null 2>&1)
grep -qxF 'REKEY_CRON_ENV_PROBE=a value with spaces and $dollar' "$work/seen-env" ||
  { echo "crontab: a variable of /etc/rekey/env does not reach rekey" >&2; exit 1; }
echo "crontab: runs under dash (exit 66 on an empty jobs directory, as expected) and reads /etc/rekey/env"

mkdir -p "$work/units"
sed "s|/usr/local/bin/rekey|$rekey|" "$cron_dir/rekey.service" > "$work/units/rekey.service"
cp "$cron_dir/rekey.timer" "$work/units/rekey.timer"
systemd-analyze verify "$work/units/rekey.service" "$work/units/rekey.timer"
echo "systemd: rekey.service and rekey.timer verify"

args=$(python3 -c 'import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert d["kind"] == "CronJob" and d["spec"]["concurrencyPolicy"] == "Forbid"
pod = d["spec"]["jobTemplate"]["spec"]["template"]["spec"]
assert pod["terminationGracePeriodSeconds"] > 60
print(" ".join(pod["containers"][0]["args"]))' "$cron_dir/cronjob.yaml")
args=$(echo "$args" | sed "s|/etc/rekey/jobs|$work/jobs|; s|/data/rekey-state|$work/state|")
status=0
"$rekey" $args </dev/null >/dev/null 2>&1 || status=$?
[ "$status" -eq 66 ] || { echo "CronJob args exited $status, expected 66 (no jobs)" >&2; exit 1; }
echo "kubernetes: cronjob.yaml parses and its args are a rekey command line"

python3 - "$jobs_dir" "$cron_dir" <<'EOF'
"""cron/ must let every example job run: sinks writable, {env:} and {file:} inputs provided."""
import glob, os, re, shlex, sys, yaml

jobs_dir, cron_dir = sys.argv[1], sys.argv[2]
problems = []


def merged(base, over):
    """The job files' deep merge: maps key by key, lists and scalars replace."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = merged(base[key], value) if key in base else value
        return out
    return over


def jobs():
    files = sorted(glob.glob(os.path.join(jobs_dir, "*.yaml")) + glob.glob(os.path.join(jobs_dir, "*.yml")))
    if not files:
        sys.exit(f"no job files in {jobs_dir}")
    for path in files:
        document = yaml.safe_load(open(path)) or {}
        entries = document["jobs"] if "jobs" in document else [document]
        for entry in entries:
            yield path, merged(document.get("defaults", {}), entry)


def absolute(path, job_file):
    return os.path.normpath(path if os.path.isabs(path) else os.path.join(os.path.dirname(os.path.abspath(job_file)), path))


def covered(path, roots):
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


unit = open(os.path.join(cron_dir, "rekey.service")).read()
read_write = [p.lstrip("-+") for line in re.findall(r"^ReadWritePaths=(.*)$", unit, re.M) for p in line.split()]
environment_files = [f.lstrip("-") for f in re.findall(r"^EnvironmentFile=(.*)$", unit, re.M)]
exec_start = shlex.split(re.search(r"^ExecStart=(.*)$", unit, re.M).group(1))
env_example = open(os.path.join(cron_dir, "rekey.env.example")).read()
documented = set(re.findall(r"^#?\s*([A-Za-z_][A-Za-z0-9_]*)=", env_example, re.M))
cronjob = yaml.safe_load(open(os.path.join(cron_dir, "cronjob.yaml")))
container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
cronjob_env = {entry["name"] for entry in container.get("env", [])}
cronjob_mounts = [mount["mountPath"] for mount in container.get("volumeMounts", [])]

if "/etc/rekey/env" not in environment_files:
    problems.append("rekey.service: no EnvironmentFile=-/etc/rekey/env for the {env:} credentials")
for flag in ("--state-dir", "--metrics-file"):
    if flag in exec_start:
        value = exec_start[exec_start.index(flag) + 1]
        directory = value if flag == "--state-dir" else os.path.dirname(value)
        if not covered(directory, read_write):
            problems.append(f"rekey.service: {flag} {value} is not under ReadWritePaths ({' '.join(read_write)})")

count = 0
for job_file, job in jobs():
    count += 1
    name = job.get("name", "?")
    sink_paths = set()
    for sink in job.get("sinks", []):
        path = absolute(sink["path"], job_file)
        sink_paths.add(path)
        if not covered(os.path.dirname(path), read_write):
            problems.append(
                f"{job_file}: {name}: sink directory {os.path.dirname(path)} is not in rekey.service's ReadWritePaths")
    for key, reference in (job.get("credentials") or {}).items():
        if not isinstance(reference, dict):
            continue
        if "env" in reference:
            variable = reference["env"]
            if variable not in documented:
                problems.append(f"{job_file}: {name}: {{env: {variable}}} is not listed in {cron_dir}/rekey.env.example")
            if variable not in cronjob_env:
                problems.append(f"{job_file}: {name}: {{env: {variable}}} is not in cronjob.yaml's env")
        if "file" in reference:
            path = absolute(reference["file"], job_file)
            if covered(path, ["/home", "/root", "/run/user", "/tmp", "/var/tmp"]):
                problems.append(f"{job_file}: {name}: {{file: {path}}} is hidden by rekey.service (ProtectHome, PrivateTmp)")
            if path not in sink_paths and not covered(path, cronjob_mounts):
                problems.append(f"{job_file}: {name}: {{file: {path}}} is under no volumeMount of cronjob.yaml")

for problem in problems:
    print(problem, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"cron/ matches {jobs_dir}/: {count} jobs' sinks are writable and their inputs provided")
EOF
