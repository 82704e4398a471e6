// The columns of the `events` table, in table order. The first 23 are also the fields of
// the canonical encoding, in hash order and under the same names; `probe_config` (schema
// v4) is encoded after them, only when present.

enum AuditColumn: Int32, CaseIterable {
    case seq, time, run, step, job, tenant, env, provider, attempt, httpStatus, vendorErrorName, vendorErrorID
    case latencyMilliseconds, oldFingerprint, newFingerprint, expiry, trigger, user, host, pid, version, exitCode
    case message, prevHash, hash, probeConfig

    /// The SQL column name, which is also the field's name in the canonical encoding.
    var name: StaticString {
        switch self {
        case .seq: "seq"
        case .time: "time"
        case .run: "run"
        case .step: "step"
        case .job: "job"
        case .tenant: "tenant"
        case .env: "env"
        case .provider: "provider"
        case .attempt: "attempt"
        case .httpStatus: "http_status"
        case .vendorErrorName: "vendor_error_name"
        case .vendorErrorID: "vendor_error_id"
        case .latencyMilliseconds: "latency_ms"
        case .oldFingerprint: "old_fp"
        case .newFingerprint: "new_fp"
        case .expiry: "expiry"
        case .trigger: "trigger"
        case .user: "user"
        case .host: "host"
        case .pid: "pid"
        case .version: "version"
        case .exitCode: "exit_code"
        case .message: "message"
        case .prevHash: "prev_hash"
        case .hash: "hash"
        case .probeConfig: "probe_config"
        }
    }

    /// INTEGER columns (times are milliseconds since 1970); the others are TEXT.
    var holdsInteger: Bool {
        switch self {
        case .seq, .time, .attempt, .httpStatus, .latencyMilliseconds, .expiry, .pid, .exitCode: true
        default: false
        }
    }

    /// The columns every row's canonical encoding covers, in hash order.
    static let alwaysEncoded: [AuditColumn] = allCases.filter { $0.rawValue <= AuditColumn.message.rawValue }
    /// The same, then `probe_config` (encoded when not NULL) for a table that has it.
    static let encodedWithProbeConfig: [AuditColumn] = alwaysEncoded + [.probeConfig]
}
