#!/usr/bin/env bash
# Proves scripts/check-schedulers.sh can fail: on copies of cron/ with one thing removed
# that the jobs/ examples need, it must fail and name what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checks=0

# expect_caught DESCRIPTION EXPECTED-MESSAGE EDIT-COMMAND (run on the copy in $work/cron)
expect_caught() {
  checks=$((checks + 1))
  rm -rf "$work/cron"
  cp -r cron "$work/cron"
  (cd "$work/cron" && eval "$3")
  if bash scripts/check-schedulers.sh jobs "$work/cron" > /dev/null 2> "$work/err"; then
    echo "FAIL: check-schedulers.sh passed with $1" >&2
    failures=$((failures + 1))
  elif ! grep -qF "$2" "$work/err"; then
    echo "FAIL: with $1, check-schedulers.sh did not say \"$2\":" >&2
    cat "$work/err" >&2
    failures=$((failures + 1))
  fi
}

expect_caught "a sink directory missing from ReadWritePaths" \
  "sink directory /srv/analytics is not in rekey.service's ReadWritePaths" \
  "sed -i 's| -/srv/analytics||' rekey.service"
expect_caught "an {env:} variable missing from rekey.env.example" \
  "{env: QRVEY_ACME_ACCESS_KEY} is not listed in" \
  "sed -i '/^#QRVEY_ACME_ACCESS_KEY=/d' rekey.env.example"
expect_caught "no EnvironmentFile= in the unit" \
  "no EnvironmentFile=-/etc/rekey/env" \
  "sed -i '/^EnvironmentFile=/d' rekey.service"
expect_caught "an {env:} variable missing from the CronJob" \
  "{env: QRVEY_ACME_ACCESS_KEY} is not in cronjob.yaml's env" \
  "sed -i 's|- name: QRVEY_ACME_ACCESS_KEY|- name: SOMETHING_ELSE|' cronjob.yaml"
expect_caught "a crontab line that reads the env file without exporting it" \
  "a variable of /etc/rekey/env does not reach rekey" \
  "sed -i 's|set -a; ||' crontab"

if [ "$failures" -gt 0 ]; then
  echo "check-schedulers self-test: $failures of $checks failed" >&2
  exit 1
fi
echo "check-schedulers self-test: all $checks removals caught"
