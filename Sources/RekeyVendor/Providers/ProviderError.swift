// What went wrong talking to a vendor, typed: the HTTP status, the vendor's own error
// name and id, and whether the request had gone out. Never the key — vendor messages
// are scrubbed of the secrets sent and cut short.

import Foundation
import RekeyModel

public struct ProviderError: Error, Sendable, CustomStringConvertible, LocalizedError {
    public enum Kind: Sendable, Hashable {
        /// The vendor answered with an error status.
        case status(Int)
        /// The vendor answered 2xx but the answer held no secret rekey could read.
        case malformedAnswer
        /// No usable answer: connect failure, timeout, closed connection, oversized body.
        case transport(TransportError.Kind)
        /// rekey refused to send the request (a value that cannot travel safely): nothing went out.
        case refused
    }

    public var vendor: String
    public var kind: Kind
    public var vendorErrorName: String?
    public var vendorErrorID: String?
    public var vendorMessage: String?
    /// Whether the request head had been sent (for transport failures, and false for a
    /// refusal raised before any request, such as a missing credential).
    public var headSent: Bool
    /// The vendor's `Retry-After`, in seconds from now, when it sent one.
    public var retryAfterSeconds: Double?
    public var latencyMilliseconds: Int?
    /// The credential key a login request sent (Qrvey's `access_key`, `api_key`): an input
    /// rekey never rotates, so a 401 means fixing it, not `rekey adopt`.
    public var loginInput: String?

    public init(
        vendor: String, kind: Kind, vendorErrorName: String? = nil, vendorErrorID: String? = nil,
        vendorMessage: String? = nil, headSent: Bool = true, retryAfterSeconds: Double? = nil,
        latencyMilliseconds: Int? = nil, loginInput: String? = nil
    ) {
        self.vendor = vendor
        self.kind = kind
        self.vendorErrorName = vendorErrorName
        self.vendorErrorID = vendorErrorID
        self.vendorMessage = vendorMessage
        self.headSent = headSent
        self.retryAfterSeconds = retryAfterSeconds
        self.latencyMilliseconds = latencyMilliseconds
        self.loginInput = loginInput
    }

    public var status: Int? {
        if case .status(let code) = kind { return code }
        return nil
    }

    /// QuestionPro: a 429 with error id 1013 means the licence's call allowance is used up.
    public var isAllowanceExhausted: Bool { status == 429 && vendorErrorID == "1013" }

    public var description: String {
        var text: String
        switch kind {
        case .status(let code):
            text = "\(vendor) answered \(code)"
            if let name = vendorErrorName { text += " \(name)" }
            if let id = vendorErrorID { text += " (error \(id))" }
            if let message = vendorMessage, !message.isEmpty { text += ": \(message)" }
        case .malformedAnswer:
            text = "\(vendor) answered, but the answer held no readable secret"
            if let detail = vendorMessage { text += " (\(detail))" }
        case .refused:
            text = "\(vendor): rekey refused to send the request: \(vendorMessage ?? "a value cannot travel safely")"
        case .transport(let kind):
            // Fixed texts only (never a raw `detail`): "could not be reached" would be wrong
            // once the request went out, and that difference is what needs-recovery is about.
            switch kind {
            case .timeout, .connectionClosed, .bodyTooLarge, .insecureURL:
                text = "\(vendor): " + TransportError(kind: kind, headSent: headSent, detail: "").description
            case .connect, .other:
                text = "\(vendor) could not be reached"
            }
        }
        if let hint = nextStep { text += " — \(hint)" }
        return text
    }

    public var errorDescription: String? { description }

    var nextStep: String? {
        if isAllowanceExhausted {
            return
                "the API call allowance of this licence is exhausted; not retried. Raise the allowance with the vendor"
        }
        switch status {
        case 401?:
            if let input = loginInput {
                return
                    "the vendor rejected the \(input) this job logs in with, an input rekey never rotates: put a working \(input) where the job's credentials.\(input) points (its variable or file); the next run retries"
            }
            return "the current credential was rejected; check it, or run `rekey adopt` with a working one"
        case 403?: return "the credential lacks permission for this call"
        case 404?: return "check base_url / datacenter / path"
        case let code? where (300..<400).contains(code):
            return "redirects are refused (credentials must not follow them); check base_url"
        default: return nil
        }
    }

    /// Removes every secret that was sent from a vendor-provided text, and caps its length.
    static func scrub(_ text: String?, secrets: [Secret]) -> String? {
        guard var text else { return nil }
        for secret in secrets where secret.revealed.count >= 4 {
            text = text.replacingOccurrences(of: secret.revealed, with: "<redacted>")
        }
        let cleaned = String(text.unicodeScalars.filter { $0.properties.generalCategory != .control }.prefix(200))
        return cleaned
    }
}

extension ProviderError {
    /// A transport failure as a provider error.
    public init(vendor: String, transport: TransportError) {
        self.init(
            vendor: vendor, kind: .transport(transport.kind), vendorMessage: transport.description,
            headSent: transport.headSent)
    }
}
