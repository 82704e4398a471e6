// `kind: http`: a vendor described in the job file (`HTTPProviderSpec`). One attempt per
// call, like every provider; the rotation kind decides idempotence (a login may be
// repeated, a regenerate or a two-key issue may not), so `RotationCall` applies the same
// ambiguity rules as for QuestionPro. The new secret is read at its JSON Pointer and
// never taken unless it is a clean string. A two-key provider also reads the new
// credential's id and revokes an old credential by id (`TwoKeyProvider`).

import Foundation
import RekeyModel

public struct HTTPProvider: Provider {
    public let spec: HTTPProviderSpec
    let exchange: HTTPExchange
    let renderer: HTTPRequestRenderer
    let clock: any RekeyClock

    public init(spec: HTTPProviderSpec, job: Job, transport: any HTTPTransport, clock: any RekeyClock) {
        self.spec = spec
        self.exchange = HTTPExchange(
            vendor: spec.vendorName, transport: transport, clock: clock,
            loginInput: spec.rotation == .login ? spec.credentialNames.first : nil)
        self.renderer = HTTPRequestRenderer(
            vendor: spec.vendorName, job: (job.name, job.tenant, job.env), vars: spec.vars)
        self.clock = clock
    }

    public var kind: ProviderKind { .http }
    public var isIdempotent: Bool { spec.rotation == .login }
    public var canProbe: Bool { spec.probe != nil }
    public var issueAddsCredential: Bool { spec.rotation == .twoKey }

    public var probeConfiguration: String? {
        guard let probe = spec.probe else { return nil }
        let works = probe.works.map(String.init).joined(separator: ",")
        let dead = probe.dead.map(String.init).joined(separator: ",")
        return "\(probe.request.method) \(probe.request.url.text) works=\(works) dead=\(dead)"
    }

    public func issue(current: ResolvedCredentials, timeout: Duration) async throws -> IssuedSecret {
        let (request, sent) = try renderer.request(spec.issue, .init(credentials: current))
        let response = try await exchange.send(request, timeout: timeout, secrets: sent)
        let secret: String
        switch AnswerPointer.string(at: spec.secret, in: response.body) {
        case .failure(let failure):
            throw ProviderError(
                vendor: spec.vendorName, kind: .malformedAnswer, vendorMessage: failure.description,
                latencyMilliseconds: response.latencyMilliseconds)
        case .success(let text):
            secret = text
        }
        // A regenerate that hands back the key it was called with rotated nothing.
        if sent.contains(where: { $0.revealed == secret }) {
            throw ProviderError(
                vendor: spec.vendorName, kind: .malformedAnswer,
                vendorMessage: "the value at \(spec.secret.described) is the credential the request sent",
                latencyMilliseconds: response.latencyMilliseconds)
        }
        let expiry =
            spec.expiry.flatMap { AnswerPointer.date(at: $0, in: response.body) } ?? JWTExpiry.expiry(of: secret)
        // The id is not a secret and not needed to deliver one: an answer without a clean id
        // still gives a working credential, which is kept (the runner says no later revoke can
        // name it) rather than thrown away as a malformed answer.
        let id = spec.id.flatMap { try? AnswerPointer.string(at: $0, in: response.body).get() }
        return IssuedSecret(secret: Secret(secret), expiry: expiry, credentialID: id)
    }

    public func probe(_ secret: Secret, timeout: Duration) async -> ProbeResult {
        guard let probe = spec.probe else { return .noAnswer("this job has no probe") }
        let request: VendorRequest
        do {
            request = try renderer.request(probe.request, .init(secret: secret)).0
        } catch {
            return .noAnswer(error.description)
        }
        do {
            let response = try await exchange.transport.send(request, timeout: timeout)
            if probe.works.contains(response.status) { return .works }
            if probe.dead.contains(response.status) { return .dead }
            return .noAnswer("the probe answered \(response.status)")
        } catch {
            return .noAnswer("\(error)")
        }
    }
}

extension HTTPProvider: TwoKeyProvider {
    public func revoke(id: String, current: Secret, credentials: ResolvedCredentials, timeout: Duration)
        async throws(ProviderError)
    {
        guard let revoke = spec.revoke else {
            throw renderer.refused("this job has no revoke request")
        }
        let (request, sent) = try renderer.request(
            revoke.request, .init(credentials: credentials, secret: current, previousID: id))
        // Scrubbed of every credential the job holds, sent or not: the answer's text goes into
        // the `revoke-failed` row.
        _ = try await exchange.send(request, timeout: timeout, secrets: sent + [current] + Array(credentials.values))
    }
}
