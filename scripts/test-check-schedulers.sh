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

# The fleet CronJob: each field a fleet of pods depends on, removed one at a time.
expect_caught "no timeZone in the fleet CronJob" \
  "cronjob-fleet.yaml: timeZone is not Etc/UTC" \
  "sed -i '/^  timeZone:/d' cronjob-fleet.yaml"
expect_caught "no concurrencyPolicy in the fleet CronJob" \
  "cronjob-fleet.yaml: concurrencyPolicy is not Forbid" \
  "sed -i '/^  concurrencyPolicy:/d' cronjob-fleet.yaml"
expect_caught "no startingDeadlineSeconds in the fleet CronJob" \
  "cronjob-fleet.yaml: no startingDeadlineSeconds" \
  "sed -i '/^  startingDeadlineSeconds:/d' cronjob-fleet.yaml"
expect_caught "no activeDeadlineSeconds in the fleet CronJob" \
  "cronjob-fleet.yaml: no activeDeadlineSeconds" \
  "sed -i '/^      activeDeadlineSeconds:/d' cronjob-fleet.yaml"
expect_caught "an activeDeadlineSeconds not above --grace in the fleet CronJob" \
  "cronjob-fleet.yaml: activeDeadlineSeconds 60 is not above --grace (60s)" \
  "sed -i 's|^      activeDeadlineSeconds: .*|      activeDeadlineSeconds: 60|' cronjob-fleet.yaml"
expect_caught "no terminationGracePeriodSeconds in the fleet CronJob" \
  "cronjob-fleet.yaml: no terminationGracePeriodSeconds" \
  "sed -i '/^          terminationGracePeriodSeconds:/d' cronjob-fleet.yaml"
expect_caught "a terminationGracePeriodSeconds equal to --grace in the fleet CronJob" \
  "cronjob-fleet.yaml: terminationGracePeriodSeconds 60 is below --grace (60s) + 30 s" \
  "sed -i 's|^          terminationGracePeriodSeconds: .*|          terminationGracePeriodSeconds: 60|' cronjob-fleet.yaml"
expect_caught "no REKEY_HOST in the fleet CronJob" \
  "cronjob-fleet.yaml: REKEY_HOST is not the pod's name" \
  "sed -i '/- name: REKEY_HOST/,+1d' cronjob-fleet.yaml"
expect_caught "no PGPASSWORD in the fleet CronJob" \
  "cronjob-fleet.yaml: PGPASSWORD does not come from a Secret" \
  "sed -i '/- name: PGPASSWORD/,+1d' cronjob-fleet.yaml"
expect_caught "a PGPASSWORD written into the fleet CronJob" \
  "cronjob-fleet.yaml: PGPASSWORD does not come from a Secret" \
  "sed -i 's|valueFrom: {secretKeyRef: {name: rekey-postgres, key: password}}|value: a-password-in-the-manifest|' cronjob-fleet.yaml"
expect_caught "a disk-backed state directory in the fleet CronJob" \
  "cronjob-fleet.yaml: --state-dir is not on an emptyDir with medium: Memory" \
  "sed -i 's|emptyDir: {medium: Memory, sizeLimit: 64Mi}|emptyDir: {}|' cronjob-fleet.yaml"
expect_caught "a fleet key Secret volume without defaultMode" \
  "cronjob-fleet.yaml: the fleet key (/etc/rekey/fleet/fleet.key) is not in a Secret volume with defaultMode: 0400" \
  "sed -i 's|secretName: rekey-fleet-key, defaultMode: 0400|secretName: rekey-fleet-key|' cronjob-fleet.yaml"
expect_caught "a misspelt key in the fleet CronJob's rekey.yaml" \
  "rekey validate refuses its rekey.yaml" \
  "sed -i 's|^      lease: 5m|      lese: 5m|' cronjob-fleet.yaml"

if [ "$failures" -gt 0 ]; then
  echo "check-schedulers self-test: $failures of $checks failed" >&2
  exit 1
fi
echo "check-schedulers self-test: all $checks removals caught"
