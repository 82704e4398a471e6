#!/usr/bin/env bash
# Checks the scheduler examples in cron/ against the built binary and the jobs/ examples:
# - the crontab line runs under dash (cron's /bin/sh) from $HOME, and rekey accepts every
#   argument (with an empty jobs directory it must exit 66 "no jobs", not 64 "usage"); it
#   reads /etc/rekey/env when there is one, and starts without it;
# - rekey.service and rekey.timer pass `systemd-analyze verify`;
# - the CronJob parses as YAML and its args are a command line rekey accepts;
# - the fleet CronJob (cronjob-fleet.yaml) has what many pods sharing one database need:
#   timeZone Etc/UTC, concurrencyPolicy Forbid, startingDeadlineSeconds, activeDeadlineSeconds
#   above --grace, terminationGracePeriodSeconds at least --grace + 30 s, REKEY_HOST from the
#   pod's name, PGPASSWORD from a Secret, the fleet key in a 0400 Secret volume, the state
#   directory on a memory-backed emptyDir; `rekey validate` accepts its rekey.yaml and rekey
#   accepts its args;
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

# The fleet CronJob: the fields a fleet of pods depends on, then its rekey.yaml and its args
# against the binary. The Python part prints the args with --config, --jobs and --state-dir
# pointed into $work, and writes the ConfigMap's rekey.yaml there.
mkdir -p "$work/fleet"
fleet_args=$(python3 - "$cron_dir/cronjob-fleet.yaml" "$work/fleet/rekey.yaml" "$work/jobs" "$work/fleet/state" <<'EOF'
"""cronjob-fleet.yaml: what README "Running a fleet" says a fleet's CronJob must have."""
import os, re, sys, yaml

path, config_copy, jobs_copy, state_copy = sys.argv[1:5]
name = os.path.basename(path)
documents = [d for d in yaml.safe_load_all(open(path)) if d]
cronjobs = [d for d in documents if d.get("kind") == "CronJob"]
configs = [d for d in documents if d.get("kind") == "ConfigMap" and "rekey.yaml" in (d.get("data") or {})]
if len(cronjobs) != 1 or len(configs) != 1:
    sys.exit(f"{name}: expected one CronJob and one ConfigMap holding rekey.yaml")
spec = cronjobs[0]["spec"]
job = spec["jobTemplate"]["spec"]
pod = job["template"]["spec"]
container = pod["containers"][0]
args = [str(a) for a in container["args"]]
env = {entry["name"]: entry for entry in container.get("env", [])}
mounts = [(m["mountPath"], m["name"]) for m in container.get("volumeMounts", [])]
volumes = {v["name"]: v for v in pod.get("volumes", [])}
problems = []


def option(flag):
    return args[args.index(flag) + 1] if flag in args[:-1] else None


def seconds(duration):
    """A rekey duration as the args write it (90s, 2m, 1h, 1m30s)."""
    parts = re.findall(r"(\d+)([smh])", duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        sys.exit(f"{name}: cannot read --grace {duration}")
    return sum(int(n) * {"s": 1, "m": 60, "h": 3600}[u] for n, u in parts)


def volume_of(file):
    """The volume mounted deepest above `file`, or None."""
    above = [(mount, volume) for mount, volume in mounts
             if file and (file == mount or file.startswith(mount.rstrip("/") + "/"))]
    return volumes.get(max(above, key=lambda m: len(m[0]))[1]) if above else None


def value_from(variable):
    return (env.get(variable) or {}).get("valueFrom") or {}


if spec.get("timeZone") != "Etc/UTC":
    problems.append(f"{name}: timeZone is not Etc/UTC (rekey's windows are UTC; Kubernetes would use the controller's zone)")
if spec.get("concurrencyPolicy") != "Forbid":
    problems.append(f"{name}: concurrencyPolicy is not Forbid (the pods of two ticks would overlap)")
if not isinstance(spec.get("startingDeadlineSeconds"), int):
    problems.append(f"{name}: no startingDeadlineSeconds (after 100 missed ticks Kubernetes would stop starting it)")
grace = seconds(option("--grace")) if option("--grace") else 60  # rekey's default
active = job.get("activeDeadlineSeconds")
if not isinstance(active, int):
    problems.append(f"{name}: no activeDeadlineSeconds (a hung run would hold off every later tick)")
elif active <= grace:
    problems.append(f"{name}: activeDeadlineSeconds {active} is not above --grace ({grace}s)")
termination = pod.get("terminationGracePeriodSeconds")
if not isinstance(termination, int):
    problems.append(f"{name}: no terminationGracePeriodSeconds (Kubernetes' 30 s default is below --grace {grace}s + 30 s)")
elif termination < grace + 30:
    problems.append(f"{name}: terminationGracePeriodSeconds {termination} is below --grace ({grace}s) + 30 s")
if (value_from("REKEY_HOST").get("fieldRef") or {}).get("fieldPath") != "metadata.name":
    problems.append(f"{name}: REKEY_HOST is not the pod's name (valueFrom.fieldRef.fieldPath: metadata.name)")
password = value_from("PGPASSWORD").get("secretKeyRef") or {}
if not (password.get("name") and password.get("key")):
    problems.append(f"{name}: PGPASSWORD does not come from a Secret (valueFrom.secretKeyRef)")

config_map = configs[0]
config = yaml.safe_load(config_map["data"]["rekey.yaml"]) or {}
config_source = ((volume_of(option("--config")) or {}).get("configMap") or {}).get("name")
if config_source != config_map["metadata"]["name"] or not str(option("--config")).endswith("/rekey.yaml"):
    problems.append(f"{name}: --config is not the rekey.yaml of the ConfigMap {config_map['metadata']['name']}")
if not option("--jobs"):
    problems.append(f"{name}: no --jobs: pass the jobs directory explicitly, as cronjob.yaml does")
if not str(config.get("db", "")).startswith(("postgres://", "postgresql://")):
    problems.append(f"{name}: rekey.yaml's db is not a postgres:// URL")
key_file = ((config.get("fleet") or {}).get("key") or {}).get("file")
if ((volume_of(key_file) or {}).get("secret") or {}).get("defaultMode") != 0o400:
    problems.append(f"{name}: the fleet key ({key_file}) is not in a Secret volume with defaultMode: 0400")
if ((volume_of(option("--state-dir")) or {}).get("emptyDir") or {}).get("medium") != "Memory":
    problems.append(f"{name}: --state-dir is not on an emptyDir with medium: Memory "
                    "(a disk-backed emptyDir is 0777 without the sticky bit, which rekey refuses)")

for problem in problems:
    print(problem, file=sys.stderr)
if problems:
    sys.exit(1)
open(config_copy, "w").write(config_map["data"]["rekey.yaml"])
for flag, copy in (("--config", config_copy), ("--jobs", jobs_copy), ("--state-dir", state_copy)):
    args[args.index(flag) + 1] = copy
print(" ".join(args))
EOF
)
status=0
"$rekey" validate --config "$work/fleet/rekey.yaml" "$work/jobs" </dev/null >/dev/null 2>"$work/fleet/err" || status=$?
[ "$status" -eq 66 ] || { cat "$work/fleet/err" >&2; echo "cronjob-fleet.yaml: rekey validate refuses its rekey.yaml (exit $status)" >&2; exit 1; }
status=0
"$rekey" $fleet_args </dev/null >/dev/null 2>&1 || status=$?
[ "$status" -eq 66 ] || { echo "cronjob-fleet.yaml: its args exited $status, expected 66 (no jobs)" >&2; exit 1; }
echo "kubernetes: cronjob-fleet.yaml has what a fleet needs, its rekey.yaml validates, and its args are a rekey command line"

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
