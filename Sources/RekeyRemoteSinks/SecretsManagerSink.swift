// An AWS Secrets Manager secret (or one key of its JSON SecretString, the other keys
// kept). A write reads the current version, puts the new value as a new version staged
// AWSPENDING (its ClientRequestToken makes a retried put idempotent), then moves
// AWSCURRENT from the version read to the new one. A concurrent writer makes that move
// fail: read again and retry, at most `maximumConflictRetries` times.

import Foundation
import RekeyDelivery
import RekeyModel

struct SecretsManagerSink: Sendable {
    static let maximumConflictRetries = 5
    /// Errors meaning the request's credentials were refused.
    static let authenticationErrors: Set<String> = [
        "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "AccessDeniedException",
        "IncompleteSignature", "MissingAuthenticationToken", "InvalidClientTokenId", "SignatureDoesNotMatch",
        "AccessDenied", "ExpiredToken",
    ]

    let spec: SecretsManagerSinkSpec
    let credentials: AWSCredentials
    let http: StoreHTTPClient
    let timeout: Duration
    let now: @Sendable () -> Date
    /// Runs between each put and its stage move (attempt 1, 2, …): tests play a concurrent
    /// writer here.
    var beforeStageMove: @Sendable (Int) async -> Void = { _ in }

    var store: String { "AWS Secrets Manager \(spec.display)" }

    func failure(_ kind: RemoteSinkFailure.Kind, _ detail: String, transient: Bool = false) -> SinkError {
        .remote(RemoteSinkFailure(store: store, kind: kind, detail: detail, isTransient: transient))
    }

    /// An error answer: its HTTP status and the AWS error type (`__type`, namespace cut).
    struct ErrorAnswer: Error {
        var status: Int
        var type: String
    }

    /// Calls `secretsmanager.{action}`; an error answer is thrown as `ErrorAnswer` so each
    /// caller decides what it means.
    func call(_ action: String, _ parameters: [String: Any]) async throws -> [String: Any] {
        let body = try JSONSerialization.data(withJSONObject: parameters)
        let url = spec.endpoint
        let request = SigV4Request(
            method: "POST", url: url.path.isEmpty ? url.appending(path: "/") : url,
            headers: [
                ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "secretsmanager.\(action)"),
            ], body: body)
        let headers = SigV4Signer(credentials: credentials, region: spec.region, service: "secretsmanager")
            .sign(request, at: now())
        let response = try await http.send(
            method: "POST", url: request.url, headers: headers, body: body, caFile: nil, timeout: timeout, store: store)
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        guard response.status == 200 else {
            let raw = (object["__type"] as? String) ?? (object["code"] as? String) ?? ""
            throw ErrorAnswer(status: response.status, type: String(raw.split(separator: "#").last ?? ""))
        }
        return object
    }

    /// The error for an answer no rule accepts (status and AWS error type only).
    func unexpected(_ error: any Error, _ step: String) -> SinkError {
        if let failure = error as? RemoteSinkFailure { return .remote(failure) }
        guard let answer = error as? ErrorAnswer else {
            return failure(.rejected, "\(step): the request could not be built")
        }
        let named = answer.type.isEmpty ? "\(answer.status)" : "\(answer.status) \(answer.type)"
        if Self.authenticationErrors.contains(answer.type) || answer.status == 401 || answer.status == 403 {
            return failure(.unauthorised, "AWS refused the credentials at \(step) (\(named))")
        }
        if answer.type == "ResourceNotFoundException" {
            return failure(.missing, "the secret does not exist (\(step))")
        }
        if answer.status == 429 || answer.status >= 500 || answer.type.contains("Throttling") {
            return failure(.rejected, "AWS answered \(named) at \(step)", transient: true)
        }
        return failure(.rejected, "AWS answered \(named) at \(step)")
    }

    /// The version marked AWSCURRENT: its id and SecretString.
    struct Current: Sendable {
        var versionID: String
        var secretString: String?
    }

    func current() async throws(SinkError) -> Current {
        do {
            // The stage named: moto (unlike AWS) keeps answering the first version otherwise.
            let answer = try await call("GetSecretValue", ["SecretId": spec.secretID, "VersionStage": "AWSCURRENT"])
            guard let version = answer["VersionId"] as? String else {
                throw failure(.rejected, "GetSecretValue's answer has no VersionId")
            }
            return Current(versionID: version, secretString: answer["SecretString"] as? String)
        } catch let error as SinkError {
            throw error
        } catch {
            throw unexpected(error, "GetSecretValue")
        }
    }

    /// The JSON object of a SecretString holding `key` (an absent string is an empty object).
    func object(_ secretString: String?) throws(SinkError) -> [String: Any] {
        guard let secretString, !secretString.isEmpty else { return [:] }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(secretString.utf8))) as? [String: Any] else {
            throw failure(
                .unusableContent,
                "its SecretString is not a JSON object, so key '\(spec.key ?? "")' cannot be set in it")
        }
        return object
    }

    func value(in current: Current) throws(SinkError) -> Secret {
        guard let key = spec.key else {
            guard let text = current.secretString else { throw failure(.missing, "the secret has no SecretString") }
            return Secret(text)
        }
        guard let value = try object(current.secretString)[key] else {
            throw failure(.missing, "its SecretString has no key '\(key)'")
        }
        guard let text = value as? String else { throw failure(.unusableContent, "key '\(key)' is not a string") }
        return Secret(text)
    }

    func read() async throws(SinkError) -> Secret {
        try value(in: try await current())
    }

    /// Reachable, the credentials accepted, the secret exists, and (with `key`) its
    /// SecretString is a JSON object whose `key`, if present, is a string.
    func preflight() async throws(SinkError) {
        let current = try await current()
        if let key = spec.key, let existing = try object(current.secretString)[key], !(existing is String) {
            throw failure(.unusableContent, "key '\(key)' is not a string; rekey will not replace it")
        }
    }

    /// `origin`: the spooled secret behind this write (its token); nil: a random token.
    func write(_ secret: Secret, origin: SpooledSecret?) async throws(SinkError) {
        for attempt in 1...(Self.maximumConflictRetries + 1) {
            let current = try await current()
            let newString: String
            if let key = spec.key {
                var fields = try object(current.secretString)
                if let existing = fields[key], !(existing is String) {
                    throw failure(.unusableContent, "key '\(key)' is not a string; rekey will not replace it")
                }
                if fields[key] as? String == secret.revealed { return }
                fields[key] = secret.revealed
                guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else {
                    throw failure(.unusableContent, "its SecretString cannot be written back as JSON")
                }
                newString = String(decoding: data, as: UTF8.self)
            } else {
                if current.secretString == secret.revealed { return }
                newString = secret.revealed
            }
            let token =
                origin.map { ClientRequestToken.make(for: $0, readVersion: current.versionID) }
                ?? ClientRequestToken.random()
            let newVersion: String
            do {
                let answer = try await call(
                    "PutSecretValue",
                    [
                        "SecretId": spec.secretID, "ClientRequestToken": token, "SecretString": newString,
                        "VersionStages": ["AWSPENDING"],
                    ])
                guard let version = answer["VersionId"] as? String else {
                    throw failure(.rejected, "PutSecretValue's answer has no VersionId")
                }
                newVersion = version
            } catch let error as SinkError {
                throw error
            } catch {
                throw unexpected(error, "PutSecretValue")
            }
            await beforeStageMove(attempt)
            do {
                _ = try await call(
                    "UpdateSecretVersionStage",
                    [
                        "SecretId": spec.secretID, "VersionStage": "AWSCURRENT", "MoveToVersionId": newVersion,
                        "RemoveFromVersionId": current.versionID,
                    ])
                return
            } catch let answer as ErrorAnswer
                where ["InvalidParameterException", "InvalidRequestException"].contains(answer.type)
            {
                continue  // AWSCURRENT moved since our read: another writer; read again
            } catch {
                throw unexpected(error, "UpdateSecretVersionStage")
            }
        }
        throw failure(
            .conflict,
            "another writer moved AWSCURRENT between each read and stage move, \(Self.maximumConflictRetries + 1) times"
        )
    }
}
