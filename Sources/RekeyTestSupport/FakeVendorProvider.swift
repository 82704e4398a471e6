// A `Provider` over `FakeVendor`, with an optional hook before and after the vendor
// processes a regenerate — where crash tests cut the process off.

import Foundation
import RekeyModel
import RekeyVendor

public struct FakeVendorProvider: Provider {
    public let vendor: FakeVendor
    /// Called with "before" and "after" around the vendor's processing; throwing simulates a crash there.
    public let effect: @Sendable (String) throws -> Void

    public init(vendor: FakeVendor, effect: @escaping @Sendable (String) throws -> Void = { _ in }) {
        self.vendor = vendor
        self.effect = effect
    }

    public var kind: ProviderKind { vendor.idempotent ? .qrveyAdminToken : .questionProAPIKey }
    public var isIdempotent: Bool { vendor.idempotent }
    public var canProbe: Bool { !vendor.idempotent }
    public var probeConfiguration: String? { canProbe ? "GET fake://probe" : nil }

    public func issue(current: ResolvedCredentials, timeout: Duration) async throws -> IssuedSecret {
        let key = current.values.first?.revealed ?? ""
        try effect("vendor-before")
        do {
            let newKey = try vendor.regenerate(current: key)
            try effect("vendor-after")
            return IssuedSecret(secret: Secret(newKey))
        } catch let failure as FakeVendor.Failure {
            switch failure {
            case .unreachable:
                throw ProviderError(vendor: "fake", kind: .transport(.connect), headSent: false)
            case .answerLost:
                throw ProviderError(vendor: "fake", kind: .transport(.connectionClosed), headSent: true)
            case .status(let code, let id):
                throw ProviderError(vendor: "fake", kind: .status(code), vendorErrorID: id)
            }
        }
    }

    public func probe(_ secret: Secret, timeout: Duration) async -> ProbeResult {
        vendor.probe(secret.revealed)
    }
}
