// What the sandbox does to a request instead of (or besides) answering it properly:
// status sequences, 429 with or without Retry-After, 429/1013, latency, connection
// resets before or after processing, a 401 after processing (a replayed request), malformed or invalid JSON, HTML, huge and slow
// bodies, redirects. Parsed from `regenerate=503,503,ok` for `rekey sandbox --fault`.

import Foundation
import RekeyModel

public enum SandboxEndpoint: String, Sendable, Hashable, CaseIterable, Codable {
    case regenerate
    case probe
    case adminLogin = "admin-login"
    case composerToken = "composer-token"
    /// The described vendor (`kind: http` jobs): issue (regenerate, add a key, log in), probe, revoke.
    case httpIssue = "http-issue"
    case httpProbe = "http-probe"
    case httpRevoke = "http-revoke"
}

public enum SandboxFault: Sendable, Hashable, CustomStringConvertible {
    /// Answer normally.
    case ok
    /// An error status with the vendor's error envelope, optionally a vendor error id and Retry-After.
    case status(Int, errorID: String? = nil, retryAfter: String? = nil)
    /// Drop the connection before doing anything.
    case resetBefore
    /// Do the work (rotate the key), then drop the connection: rotated, answer lost.
    case resetAfter
    /// Do the work (rotate the key), then answer 401 "Incorrect API Key": what rekey sees
    /// when an intermediary replays the request with the key the first one killed.
    case replayed401
    /// Do the work, answer 200 with a body that is not JSON.
    case malformedJSON
    /// Answer 401 with the seed's own (invalid JSON) error body.
    case seedInvalidJSON
    /// Answer 502 with an HTML page (a proxy in the way).
    case html
    /// Do the work, answer 200 with a body over 1 MiB.
    case hugeBody
    /// Do the work, answer 200 with the body trickling out slowly.
    case slowBody
    /// Answer 302 to another host.
    case redirect
    /// Wait this long, then answer normally.
    case latency(Duration)

    public var description: String {
        switch self {
        case .ok: "ok"
        case .status(let code, let id, let retryAfter):
            "\(code)" + (id.map { "-\($0)" } ?? "") + (retryAfter.map { ":retry-after=\($0)" } ?? "")
        case .resetBefore: "reset-before"
        case .resetAfter: "reset-after"
        case .replayed401: "replayed-401"
        case .malformedJSON: "malformed-json"
        case .seedInvalidJSON: "seed-invalid-json"
        case .html: "html"
        case .hugeBody: "huge-body"
        case .slowBody: "slow-body"
        case .redirect: "redirect"
        // In the `--fault` grammar, so a logged fault can be replayed.
        case .latency(let duration): "latency=\(Int64((duration.seconds * 1000).rounded()))ms"
        }
    }

    /// Whether the vendor's state changes (the key rotates) under this fault.
    var processes: Bool {
        switch self {
        case .ok, .resetAfter, .replayed401, .malformedJSON, .hugeBody, .slowBody, .latency: true
        default: false
        }
    }

    public static func parse(_ text: String) -> SandboxFault? {
        let lowered = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch lowered {
        case "ok": return .ok
        case "reset-before": return .resetBefore
        case "reset-after": return .resetAfter
        case "replayed-401": return .replayed401
        case "malformed-json": return .malformedJSON
        case "seed-invalid-json": return .seedInvalidJSON
        case "html": return .html
        case "huge-body": return .hugeBody
        case "slow-body": return .slowBody
        case "redirect": return .redirect
        default: break
        }
        if lowered.hasPrefix("latency=") {
            return RekeyDuration.parseMilliseconds(String(lowered.dropFirst(8))).map { .latency(.milliseconds($0)) }
        }
        // 503 · 429-1013 · 429:retry-after=2
        let parts = lowered.split(separator: ":", maxSplits: 1)
        guard let first = parts.first else { return nil }
        let statusPart = first.split(separator: "-", maxSplits: 1)
        guard let codeText = statusPart.first, let code = Int(codeText), (300..<600).contains(code) else { return nil }
        let id = statusPart.count > 1 ? String(statusPart[1]) : nil
        var retryAfter: String?
        if parts.count > 1 {
            guard parts[1].hasPrefix("retry-after=") else { return nil }
            retryAfter = String(parts[1].dropFirst("retry-after=".count))
        }
        return .status(code, errorID: id, retryAfter: retryAfter)
    }
}

/// `regenerate=503,503,ok`: faults for one endpoint, applied to its next requests in order.
public struct FaultPlan: Sendable, Hashable {
    public var endpoint: SandboxEndpoint
    public var faults: [SandboxFault]

    public init(endpoint: SandboxEndpoint, faults: [SandboxFault]) {
        self.endpoint = endpoint
        self.faults = faults
    }

    public static func parse(_ text: String) throws -> FaultPlan {
        let pieces = text.split(separator: "=", maxSplits: 1)
        let endpoints = SandboxEndpoint.allCases.map(\.rawValue).joined(separator: ", ")
        guard pieces.count == 2, let endpoint = SandboxEndpoint(rawValue: String(pieces[0])) else {
            throw SandboxError.badFault("'\(text)': start with an endpoint (\(endpoints)) and '='")
        }
        var faults: [SandboxFault] = []
        for item in pieces[1].split(separator: ",") {
            guard let fault = SandboxFault.parse(String(item)) else {
                throw SandboxError.badFault(
                    "'\(item)' is not a fault (ok, 503, 429-1013, 429:retry-after=1, reset-before, reset-after, replayed-401, malformed-json, seed-invalid-json, html, huge-body, slow-body, redirect, latency=50ms)"
                )
            }
            faults.append(fault)
        }
        return FaultPlan(endpoint: endpoint, faults: faults)
    }
}

public enum SandboxError: Error, CustomStringConvertible {
    case badFault(String)
    case notStarted

    public var description: String {
        switch self {
        case .badFault(let why): "bad --fault \(why)"
        case .notStarted: "the sandbox did not start"
        }
    }
}
