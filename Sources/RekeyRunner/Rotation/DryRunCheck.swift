// `rekey run --dry-run [--probe]`: preflight only, and with `--probe` the vendor's
// read-only probe of the current key — nothing issued, written or recorded.

import RekeyModel
import RekeySchedule
import RekeyVendor

extension RotationProcedure {
    /// What a real run would do with this job, checked as far as can be without changing
    /// anything: `planned` (due), `checked` (not due, probing) or `failed` with the reason.
    func dryRun(_ decision: ScheduleDecision, probe: Bool) async -> JobOutcome {
        let started = environment.clock.now()
        func outcome(_ kind: JobOutcome.Kind, _ message: String) -> JobOutcome {
            JobOutcome(job, kind, seconds: environment.clock.now().timeIntervalSince(started), message: message)
        }
        let credentials: ResolvedCredentials
        switch await Preflight(environment: environment, job: job).check() {
        case .failure(let reason): return outcome(reason.outcome, reason.description)
        case .success(let resolved): credentials = resolved
        }
        let plan =
            decision.hooksOnly
            ? "would re-run hooks"
            : decision.revokeOnly
                ? "would revoke the previous credential (nothing new is issued)"
                : decision.isDue ? "would call \(job.kind.rawValue)" : "not due (\(decision.explanation))"
        let kind: JobOutcome.Kind = decision.isDue ? .planned : .checked
        guard probe else { return outcome(kind, "preflight ok; \(plan)") }

        let provider = environment.vendors.provider(for: job)
        let key = job.provider.credentialKeys.first ?? "credential"
        // Only a key the rotation replaces is the vendor's current key; a login input is not
        // what the probe checks.
        guard provider.canProbe, job.provider.replacedCredentialKey != nil, let current = credentials[key] else {
            return outcome(
                kind,
                "preflight ok; \(job.kind.rawValue) has no read-only check: the first run's login proves its \(key); \(plan)"
            )
        }
        switch await provider.probe(current, timeout: job.policy.retry.timeout) {
        case .works:
            return outcome(kind, "preflight ok; the vendor accepts the current key; \(plan)")
        case .dead:
            return outcome(
                .failed,
                "the vendor rejects the current key (401): a real run would not regenerate it. Get a working key and \(NextStep.adopt(job: job.name))"
            )
        case .noAnswer(let why):
            return outcome(
                .failed, "could not check the current key (\(why)); nothing was changed. Try again, or check base_url")
        }
    }
}
