// Why a job's credential could not be resolved. Messages name the reference
// (`env:QP_ACME_KEY`), never the value.

import Foundation
import RekeyDelivery
import RekeyModel

public enum CredentialError: Error, Sendable, Hashable {
    /// The job has no reference for a credential its provider needs.
    case missing(credential: String, job: String)
    case environmentVariableNotSet(credential: String, reference: CredentialReference)
    case empty(credential: String, reference: CredentialReference)
    case fileTooLarge(credential: String, reference: CredentialReference, limit: Int)
    /// The reference names a sink the job does not have.
    case unknownSink(credential: String, reference: CredentialReference)
    /// Reading the file or sink failed.
    case unreadable(credential: String, reference: CredentialReference, cause: SinkError)
}

extension CredentialError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .missing(let credential, let job):
            "job \(job) has no `credentials.\(credential)` reference. Add one ({env: VAR}, {file: PATH} or {sink: ID})."
        case .environmentVariableNotSet(let credential, let reference):
            "credential \(credential): \(reference) is not set. Set that variable in rekey's environment (cron and systemd start with an almost empty one), or use {file: PATH}."
        case .empty(let credential, let reference):
            "credential \(credential): \(reference) is empty. Put the current credential there."
        case .fileTooLarge(let credential, let reference, let limit):
            "credential \(credential): \(reference) is larger than \(limit) bytes, so it is not a credential. Check the path."
        case .unknownSink(let credential, let reference):
            "credential \(credential): \(reference) names no sink of this job. Use the `id` of one of the job's sinks."
        case .unreadable(let credential, let reference, let cause):
            "credential \(credential): cannot read \(reference): \(cause)"
        }
    }

    public var errorDescription: String? { description }
}
