#!/usr/bin/env python3
# The blackout window of a regenerate, measured against the real binary: from the moment
# the sandbox processed the regenerate (the old key is dead) to the moment the reload hook
# started (the hook is `date +%s.%N`, and rekey keeps a hook's output in its audit row),
# plus the vendor requests per rotation (from the sandbox's request log): over all rounds,
# and over the steady-state rounds (every round after the first, whose probes prove the keys).
#
#   scripts/bench-blackout.py REKEY JOBS LATENCY CONCURRENCY VERIFY(1|0) [ROUNDS] [--json] [--dir DIR]
#   scripts/bench-blackout.py .build/release/rekey 20 0ms 1 1 3
#   scripts/bench-blackout.py .build/release/rekey 100 200ms 32 1 --json
#
# --json prints one JSON object instead of the sentence (rekey-bench reads it).
# --dir is where the jobs, sinks and state go (default: a fresh temporary directory, removed after).
import argparse, json, math, os, re, shutil, statistics, subprocess, tempfile, urllib.request

parser = argparse.ArgumentParser(description="The blackout window of a QuestionPro regenerate, and vendor requests per rotation.")
parser.add_argument("rekey", help="the rekey binary to measure")
parser.add_argument("jobs", type=int)
parser.add_argument("latency", help="sandbox latency, e.g. 0ms or 200ms")
parser.add_argument("concurrency")
parser.add_argument("verify", choices=["0", "1"])
parser.add_argument("rounds", type=int, nargs="?", default=1)
parser.add_argument("--json", action="store_true")
parser.add_argument("--dir")
args = parser.parse_args()
R, n, latency, conc, verify, rounds = args.rekey, args.jobs, args.latency, args.concurrency, args.verify == "1", args.rounds

d = args.dir or tempfile.mkdtemp(prefix="rekey-bench-blackout-")
shutil.rmtree(d, ignore_errors=True); os.makedirs(d + "/jobs"); os.makedirs(d + "/sinks")
sb = subprocess.Popen([R, "sandbox", "--json", "--accounts", str(n), "--latency", latency], stdout=subprocess.PIPE)
try:
    info = json.loads(sb.stdout.readline())
    url = info["url"]
    for i, acc in enumerate(info["questionpro"]):
        org, key = acc["organization_id"], acc["api_key"]
        open(f"{d}/sinks/{i}.env", "w").write(f"API_KEY='{key}'\n")
        open(f"{d}/jobs/j{i}.yaml", "w").write(f"""name: j{i}
tenant: t
env: prod
provider: {{kind: questionpro.api-key, base_url: {url}, organization_id: "{org}"}}
credentials: {{api_key: {{sink: app}}}}
policy: {{every: 30d, verify: {str(verify).lower()}}}
sinks: [{{id: app, kind: env-file, path: ../sinks/{i}.env, key: API_KEY}}]
hooks: [{{argv: [/usr/bin/date, "+%s.%N"]}}]
""")
    base = ["--jobs", d + "/jobs", "--state-dir", d + "/state"]
    after_first = 0
    for r in range(rounds):
        p = subprocess.run([R, "run", "--force", "--concurrency", conc, "--quiet"] + base, capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
        if r == 0:
            after_first = len(json.load(urllib.request.urlopen(url + "/_sandbox/requests")))
    reqs = json.load(urllib.request.urlopen(url + "/_sandbox/requests"))
    ev = json.loads(subprocess.run([R, "audit", "report", "--events", "--format", "json"] + base, capture_output=True, text=True).stdout)["events"]
finally:
    sb.terminate()
    sb.wait()
    if not args.dir:
        shutil.rmtree(d, ignore_errors=True)
org_job = {acc["organization_id"]: f"j{i}" for i, acc in enumerate(info["questionpro"])}
regen = {}
for q in reqs:
    if q["endpoint"] == "regenerate" and q.get("processedAt"):
        regen.setdefault(org_job[q["organizationID"]], []).append(q["processedAt"] / 1000)
hooks = {}
for e in ev:
    if e["step"] == "hook" and e["message"]:
        m = re.search(r"(\d{10}\.\d+)", e["message"])
        if m: hooks.setdefault(e["job"], []).append(float(m.group(1)))
gaps = []
for job, ts in regen.items():
    for t, h in zip(sorted(ts), sorted(hooks.get(job, []))):
        gaps.append((h - t) * 1000)
gaps.sort()


def percentile(p):
    # Nearest rank: the smallest gap with at least p of the gaps at or below it.
    return gaps[max(0, math.ceil(len(gaps) * p) - 1)]


probes = sum(1 for q in reqs if q["endpoint"] == "probe")
result = {
    "jobs": n, "rounds": rounds, "latency": latency, "concurrency": int(conc), "verify": verify,
    "p50_ms": statistics.median(gaps), "p90_ms": percentile(0.9), "gaps": len(gaps),
    "requests_per_rotation": len(reqs) / (n * rounds), "probes": probes,
    "steady_requests_per_rotation": (len(reqs) - after_first) / (n * (rounds - 1)) if rounds > 1 else None,
}
if args.json:
    print(json.dumps(result))
else:
    steady = result["steady_requests_per_rotation"]
    print(f"jobs {n} x {rounds} rounds, latency {latency}, concurrency {conc}, verify {verify}: "
          f"blackout p50 {result['p50_ms']:.1f} ms, p90 {result['p90_ms']:.1f} ms (n={len(gaps)}); "
          f"vendor requests per rotation {result['requests_per_rotation']:.2f} (probes {probes})"
          + (f", {steady:.2f} after the first round" if steady is not None else ""))
