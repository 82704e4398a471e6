// The `policy:` block: schedule, window, jitter, grace, retries and verify.

import Foundation
import RekeyModel

extension JobDecoder {
    package static let policyKeys = ["every", "renew_before", "window", "jitter", "grace", "retry", "verify"]
    package static let retryKeys = ["attempts", "base", "max", "timeout", "deadline"]
    /// `rekey run --grace` unless given, and what it must leave beyond the longest attempt.
    static let defaultGrace: Duration = .seconds(60)
    static let deliveryAllowance: Duration = .seconds(15)

    package mutating func decodePolicy(_ map: YAMLNode, kind: ProviderKind?) -> Policy? {
        var policy = Policy()
        guard let node = map["policy"] else {
            reader.error(map, "a job needs 'policy' with at least 'every'", hint: "e.g. policy: {every: 30d}")
            return nil
        }
        guard let policyMap = reader.mapping(node, named: "'policy'", allowed: Self.policyKeys) else { return nil }
        let before = reader.diagnostics.errorCount
        policy.every = reader.duration(policyMap, "every")
        policy.renewBefore = reader.duration(policyMap, "renew_before")
        if let jitter = reader.duration(policyMap, "jitter") { policy.jitter = jitter }
        if let grace = reader.duration(policyMap, "grace") { policy.grace = grace }
        if let verify = reader.bool(policyMap, "verify") { policy.verify = verify }
        if let windowNode = policyMap["window"] {
            if let text = windowNode.scalar, let window = TimeWindow.parse(text) {
                policy.window = window
            } else {
                reader.error(windowNode, "'window' must look like \"22:00-04:00\" (UTC; may wrap past midnight)")
            }
        }
        for key in ["every", "grace"] where policyMap[key] != nil {
            if let value = reader.durationIfValid(policyMap, key), value.seconds == 0 {
                reader.error(policyMap[key]!, "'\(key)' must be longer than 0s")
            }
        }
        if let retryNode = policyMap["retry"] { policy.retry = decodeRetry(retryNode) }

        switch kind {
        case .questionProAPIKey?, .qrveyAdminToken?:
            if policyMap["every"] == nil {
                reader.error(
                    policyMap,
                    "a '\(kind!.rawValue)' job needs 'policy.every': the vendor does not say when it expires",
                    hint: "e.g. every: 30d")
            }
        case .qrveyComposerToken?:
            if policyMap["every"] == nil && (policyMap["renew_before"] == nil || map["provider"]?["expires_in"] == nil)
            {
                reader.error(
                    policyMap,
                    "a 'qrvey.composer-token' job needs 'policy.every', or 'renew_before' with 'provider.expires_in'")
            }
        case .http?:
            if policyMap["every"] == nil && map["provider"]?["issue"]?["expiry"] == nil {
                reader.error(
                    policyMap,
                    "an 'http' job needs 'policy.every', unless 'issue.expiry' reads the credential's expiry from the answer",
                    hint: "e.g. every: 30d")
            }
        case nil:
            break
        }
        return reader.diagnostics.errorCount == before ? policy : nil
    }

    private mutating func decodeRetry(_ node: YAMLNode) -> RetrySettings {
        var retry = RetrySettings()
        guard let map = reader.mapping(node, named: "'retry'", allowed: Self.retryKeys) else { return retry }
        if let attempts = reader.integer(map, "attempts", range: 1...20) { retry.attempts = attempts }
        if let base = reader.millisecondsDuration(map, "base") { retry.base = base }
        if let max = reader.millisecondsDuration(map, "max") { retry.max = max }
        if let timeout = reader.millisecondsDuration(map, "timeout") { retry.timeout = timeout }
        if let deadline = reader.millisecondsDuration(map, "deadline") { retry.deadline = deadline }
        if retry.max < retry.base, let node = map["max"] {
            reader.error(node, "'max' (\(retry.max)) must not be shorter than 'base' (\(retry.base))")
        }
        if retry.deadline < retry.timeout {
            reader.error(map["deadline"] ?? map, "'deadline' must not be shorter than 'timeout'")
        }
        // After a stop, an attempt already sent is awaited up to its timeout, then spooled and
        // delivered: `rekey run --grace` (60s unless given) must cover both.
        if let node = map["timeout"], retry.timeout + Self.deliveryAllowance > Self.defaultGrace {
            reader.warning(
                node,
                "'timeout' \(retry.timeout) leaves less than 15s of the default --grace 60s after a stop: `rekey run` refuses it unless --grace is at least the timeout + 15s",
                hint:
                    "pass --grace (and raise systemd's TimeoutStopSec / terminationGracePeriodSeconds to 30s above it), or shorten 'timeout'"
            )
        }
        return retry
    }
}

extension NodeReader {
    /// A duration that may be below a second (`250ms`), for retry settings.
    package mutating func millisecondsDuration(_ map: YAMLNode, _ key: String) -> Duration? {
        guard let node = map[key] else { return nil }
        guard let text = node.scalar, let millis = RekeyDuration.parseMilliseconds(text), millis > 0 else {
            error(node, "'\(key)' is not a positive duration", hint: "write it like 250ms, 2s, 1m or 1m30s")
            return nil
        }
        return .milliseconds(millis)
    }

    /// Like `duration`, but silent: for a second check of a value already reported.
    package func durationIfValid(_ map: YAMLNode, _ key: String) -> RekeyDuration? {
        map[key]?.scalar.flatMap(RekeyDuration.parse)
    }
}
