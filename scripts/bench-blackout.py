#!/usr/bin/env python3
# The blackout window of a regenerate, measured against the real binary: from the moment
# the sandbox processed the regenerate (the old key is dead) to the moment the reload hook
# started (the hook is `date +%s.%N`, and rekey keeps a hook's output in its audit row),
# plus the vendor requests per rotation (from the sandbox's request log).
#
#   scripts/bench-blackout.py REKEY JOBS LATENCY CONCURRENCY VERIFY(1|0) [ROUNDS]
#   scripts/bench-blackout.py .build/release/rekey 20 0ms 1 1 3
#   scripts/bench-blackout.py .build/release/rekey 100 200ms 32 1
import json, os, subprocess, sys, urllib.request, statistics, shutil, re
R = sys.argv[1]; n = int(sys.argv[2]); latency = sys.argv[3]; conc = sys.argv[4]; verify = sys.argv[5] == "1"
d = "/tmp/blackout"; shutil.rmtree(d, ignore_errors=True); os.makedirs(d + "/jobs"); os.makedirs(d + "/sinks")
sb = subprocess.Popen([R, "sandbox", "--json", "--accounts", str(n), "--latency", latency], stdout=subprocess.PIPE)
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
rounds = int(sys.argv[6]) if len(sys.argv) > 6 else 1
for r in range(rounds):
    p = subprocess.run([R, "run", "--force", "--concurrency", conc, "--quiet"] + base, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
reqs = json.load(urllib.request.urlopen(url + "/_sandbox/requests"))
ev = json.loads(subprocess.run([R, "audit", "report", "--events", "--format", "json"] + base, capture_output=True, text=True).stdout)["events"]
sb.terminate()
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
probes = sum(1 for q in reqs if q["endpoint"] == "probe")
print(f"jobs {n} x {rounds} rounds, latency {latency}, concurrency {conc}, verify {verify}: "
      f"blackout p50 {statistics.median(gaps):.1f} ms, p90 {gaps[int(len(gaps)*0.9)-1]:.1f} ms (n={len(gaps)}); "
      f"vendor requests per rotation {len(reqs)/ (n*rounds):.2f} (probes {probes})")
