// The one table that decides what a failed vendor call means (README, "How a rotation stays safe"):
//
// | failure                                   | idempotent call | non-idempotent (regenerate) |
// | ----------------------------------------- | --------------- | --------------------------- |
// | 400, 403, 404, other 4xx, 3xx             | fail            | fail                        |
// | 401 once the request went out             | fail            | ambiguous (settle: probe)   |
// | 401 before anything was sent              | fail            | fail                        |
// | 429 with vendor error 1013 (allowance)    | fail            | fail                        |
// | 429                                       | retry           | retry (not processed)       |
// | 5xx                                       | retry           | ambiguous                   |
// | 2xx without a readable secret             | retry           | ambiguous                   |
// | refused by rekey before sending           | fail            | fail                        |
// | network failure before the head was sent  | retry           | retry (never reached it)    |
// | network failure after the head was sent   | retry           | ambiguous                   |
//
// Ambiguous: the vendor may have rotated the key and the answer was lost. The caller
// waits a settle delay and probes the old key before anything else. A 401 on a regenerate
// is ambiguous too: an intermediary replaying the request after the vendor rotated gets
// one. Probing settles it: the old key works → nothing changed (failed, not re-sent);
// rejected → needs-recovery; no answer → needs-recovery, saying the key could not be checked.

public enum FailureVerdict: Sendable, Hashable {
    case fail
    case retry
    case ambiguous
}

public enum FailureClassification {
    public static func verdict(for error: ProviderError, idempotent: Bool) -> FailureVerdict {
        switch error.kind {
        case .status(let code):
            if error.isAllowanceExhausted { return .fail }
            if code == 429 { return .retry }
            if (500..<600).contains(code) { return idempotent ? .retry : .ambiguous }
            if code == 401, !idempotent, error.headSent { return .ambiguous }
            return .fail
        case .refused:
            return .fail
        case .malformedAnswer:
            return idempotent ? .retry : .ambiguous
        case .transport(let kind):
            if kind == .insecureURL { return .fail }
            if !error.headSent { return .retry }
            return idempotent ? .retry : .ambiguous
        }
    }
}
