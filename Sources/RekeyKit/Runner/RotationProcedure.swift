// The rotation protocol for one job (DESIGN.md): preflight → intent → vendor call →
// spool → sinks → verify → done → hooks. Every step is audited before the next one
// starts, and after issuance there is no rollback — only roll-forward from the spool.

import Foundation

struct RotationProcedure: Sendable {
    let context: RunContext
    let job: Job

    private var audit: any AuditStore { context.audit }

    private func event(_ step: AuditStep, message: String? = nil) -> AuditEvent {
        var event = AuditEvent.job(job, step: step, runID: context.runID, time: context.clock.now(), message: message)
        event.trigger = context.trigger
        return event
    }

    /// Preflight: every check that can fail before the vendor is called.
    func preflight() async -> (ResolvedCredentials?, [String]) {
        var problems = context.sinkPreflight(job)
        for hook in job.hooks {
            if let problem = context.hookProblem(hook) { problems.append(problem) }
        }
        let credentials: ResolvedCredentials
        do {
            credentials = try context.resolveCredentials(job)
        } catch {
            problems.append("\(error)")
            return (nil, problems)
        }
        return (credentials, problems)
    }

    /// Rotates the job. The caller holds the credential lock.
    func rotate() async -> JobOutcome {
        let started = context.clock.now()
        func outcome(_ kind: JobOutcome.Kind, attempts: Int = 0, _ message: String? = nil) -> JobOutcome {
            JobOutcome(
                job, kind, attempts: attempts, seconds: context.clock.now().timeIntervalSince(started), message: message
            )
        }

        let (resolved, problems) = await preflight()
        guard let credentials = resolved, problems.isEmpty else {
            let message = "preflight failed, nothing was changed: " + problems.joined(separator: "; ")
            if !context.dryRun { await record(event(.failed, message: message)) }
            return outcome(.failed, message)
        }
        if context.dryRun {
            return outcome(.planned, "preflight ok; would call \(job.kind.rawValue)")
        }
        let provider = context.makeProvider(job)
        let currentSecret = credentials[job.kind.credentialKeys[0]]
        let oldFingerprint = currentSecret.map(context.fingerprint)

        // A regenerate that kills the old key is only started when the old key is known to work.
        if !provider.isIdempotent, provider.canProbe, let currentSecret {
            switch await provider.probe(currentSecret, timeout: job.policy.retry.timeout) {
            case .works:
                break
            case .dead:
                let message =
                    "the current key is rejected by the vendor (401), so rekey will not regenerate it: get a working key and run `rekey adopt --job \(job.name)`"
                await record(event(.failed, message: message))
                return outcome(.failed, message)
            case .noAnswer(let why):
                let message =
                    "could not check the current key before regenerating (\(why)); nothing was changed, the next run retries"
                await record(event(.failed, message: message))
                return outcome(.failed, message)
            }
        }

        var intent = event(.intent)
        intent.oldFingerprint = oldFingerprint
        guard await record(intent, required: true) else {
            return outcome(.failed, "could not write the audit intent row; nothing was changed")
        }

        // The critical section: vendor call → spool. It runs in its own task so that a
        // cancelled run (SIGTERM) cannot cancel an in-flight regenerate.
        let call = context.makeRotationCall(provider, job)
        let audit = self.audit
        let template = event(.attempt)
        let result = await Task { [context] in
            await call.run(current: credentials, probeSecret: currentSecret) { record in
                var row = template
                row.time = context.clock.now()
                row.attempt = record.attempt
                row.httpStatus = record.httpStatus
                row.vendorErrorName = record.vendorErrorName
                row.vendorErrorID = record.vendorErrorID
                row.latencyMilliseconds = record.latencyMilliseconds
                row.message = record.summary
                _ = try? await audit.append(row)
            }
        }.value

        switch result {
        case .failed(let message, let attempts, _):
            await record(event(.failed, message: message))
            return outcome(.failed, attempts: attempts, message)
        case .needsRecovery(let message, let attempts):
            await record(event(.needsRecovery, message: message))
            return outcome(.needsRecovery, attempts: attempts, message)
        case .issued(let issued, let attempts, let mustVerify):
            let delivered = await deliver(
                issued.secret, expiry: issued.expiry, oldFingerprint: oldFingerprint, mustVerify: mustVerify,
                provider: provider, fresh: true)
            var final = delivered
            final.attempts = attempts
            final.seconds = context.clock.now().timeIntervalSince(started)
            return final
        }
    }

    /// Spool → issued → sinks → verify → done → hooks. Also the roll-forward path of
    /// `recover` (`fresh: false`: the secret is already spooled and recorded).
    func deliver(
        _ secret: Secret, expiry: Date?, oldFingerprint: String?, mustVerify: Bool, provider: (any Provider)?,
        fresh: Bool
    ) async -> JobOutcome {
        let started = context.clock.now()
        func outcome(_ kind: JobOutcome.Kind, _ message: String? = nil) -> JobOutcome {
            JobOutcome(job, kind, seconds: context.clock.now().timeIntervalSince(started), message: message)
        }
        let fingerprint = context.fingerprint(secret)
        if fresh {
            do {
                try context.spoolSecret(job, secret, fingerprint, expiry)
            } catch {
                // The vendor issued a key we could not keep: the old one may be dead already.
                let message =
                    "the vendor issued a new secret but rekey could not spool it (\(error)); the new secret is lost — get it from the vendor and run `rekey adopt --job \(job.name)`"
                await record(event(.needsRecovery, message: message))
                return outcome(.needsRecovery, message)
            }
            var issuedRow = event(.issued)
            issuedRow.oldFingerprint = oldFingerprint
            issuedRow.newFingerprint = fingerprint
            issuedRow.expiry = expiry
            await record(issuedRow, required: true)
        }

        var failures: [String] = []
        for sink in job.sinks {
            do {
                try context.writeSink(sink, secret)
                var row = event(.sinkWritten, message: "sink '\(sink.id)' \(sink.kind.rawValue) \(sink.path)")
                row.newFingerprint = fingerprint
                await record(row)
            } catch let error as SinkError where error.needsRecovery {
                let message =
                    "sink '\(sink.id)' cannot carry this secret (\(error)); it is kept in the spool: fix the sink and run `rekey recover`, or `rekey adopt --job \(job.name)`"
                await record(event(.needsRecovery, message: message))
                return outcome(.needsRecovery, message)
            } catch {
                failures.append("sink '\(sink.id)': \(error)")
            }
        }
        if !failures.isEmpty {
            let message =
                "new secret issued but not delivered everywhere (\(failures.joined(separator: "; "))); it is kept in the spool and the next run (or `rekey recover`) delivers it"
            await record(event(.failed, message: message))
            return outcome(.failed, message)
        }

        if let provider, provider.canProbe, job.policy.verify || mustVerify {
            switch await provider.probe(secret, timeout: job.policy.retry.timeout) {
            case .works:
                var row = event(.verified)
                row.newFingerprint = fingerprint
                await record(row)
            case .dead:
                let message =
                    "the new secret was delivered but the vendor rejects it (401); the vendor may hold another key: run `rekey adopt --job \(job.name)` with a working key"
                await record(event(.needsRecovery, message: message))
                return outcome(.needsRecovery, message)
            case .noAnswer(let why):
                await record(event(.probe, message: "verify had no answer (\(why)); the secret was delivered"))
            }
        }

        var done = event(.done)
        done.newFingerprint = fingerprint
        done.expiry = expiry
        await record(done, required: true)

        let hookOutcome = await runHooks()
        context.removeSpool(job)
        if let failure = hookOutcome {
            return outcome(.hookFailed, failure)
        }
        return outcome(fresh ? .rotated : .recovered)
    }

    /// Runs the job's hooks; returns a message when one failed (the job is then hook-failed).
    func runHooks() async -> String? {
        for (index, hook) in job.hooks.enumerated() {
            let result = await context.runHook(hook, job, [:])
            var row = event(.hook, message: "hook \(index + 1) (\(hook.argv[0])): \(result.summary)")
            row.exitCode = result.succeeded ? 0 : (result.exitCode ?? -1)
            await record(row)
            if !result.succeeded {
                return
                    "hook \(index + 1) (\(hook.argv[0])) \(result.summary); the secret is delivered, the next run re-runs the hooks"
            }
        }
        return nil
    }

    /// Appends an audit row. A required row that cannot be written stops the job.
    @discardableResult
    func record(_ event: AuditEvent, required: Bool = false) async -> Bool {
        do {
            try await audit.append(event)
            return true
        } catch {
            context.log("audit append failed for job '\(job.name)' (\(event.step.rawValue)): \(error)")
            return !required
        }
    }
}
