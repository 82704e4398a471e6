import Foundation
import RekeyModel
import Testing

@testable import RekeySchedule

/// The state table's encoding of a job's history: every history survives the round trip
/// exactly (the scheduler trusts what it reads), and anything that is not one it wrote is
/// refused, so the reader folds the chain instead.
@Suite struct JobHistoryStateEncodingTests {
    static func randomHistory(_ random: SeededRandomSource) -> JobHistory {
        func date() -> Date? {
            random.nextUnit() < 0.3
                ? nil : Date(timeIntervalSince1970: Double(random.nextUInt64() % 4_000_000_000_000) / 1000)
        }
        func text() -> String? {
            guard random.nextUnit() >= 0.3 else { return nil }
            let alphabet = Array("ab-_ 0é✓\u{0}\n\"")
            return String(
                (0..<Int(random.nextUInt64() % 40)).map { _ in
                    alphabet[Int(random.nextUInt64() % UInt64(alphabet.count))]
                })
        }
        var history = JobHistory()
        history.lastSuccess = date()
        history.expiry = date()
        history.issuedAt = date()
        history.firstEvent = date()
        history.baselinedAt = date()
        history.lastFailure = date()
        history.lastAttempt = date()
        history.consecutiveFailures = Int(random.nextUInt64() % 1000)
        history.unsettledRuns = Int(random.nextUInt64() % 1000)
        history.configurationProblem = random.nextUnit() < 0.5
        history.openIntent = random.nextUnit() < 0.5
        history.needsRecovery = random.nextUnit() < 0.5
        history.hookFailed = random.nextUnit() < 0.5
        history.lastError = text()
        history.doneFingerprint = text()
        history.provenProbe = text()
        history.tenant = text()
        history.env = text()
        history.provider = text()
        history.revokeDue = date()
        history.revokeFailures = Int(random.nextUInt64() % 1000)
        history.currentCredentialID = text()
        history.pendingRevokeID = text()
        history.pendingRevokeFingerprint = text()
        history.lastHost = text()
        history.deliveringFingerprint = text()
        history.deliveredHosts = (0..<Int(random.nextUInt64() % 4)).map { _ in text() ?? "" }
        return history
    }

    @Test func everyHistoryRoundTripsExactly() throws {
        let random = SeededRandomSource(seed: 13)
        for _ in 0..<2000 {
            let history = Self.randomHistory(random)
            #expect(try JobHistory(stateEncoding: history.stateEncoding()) == history)
        }
        #expect(try JobHistory(stateEncoding: JobHistory().stateEncoding()) == JobHistory())
    }

    @Test func aTruncatedExtendedOrForeignStateIsRefused() {
        let random = SeededRandomSource(seed: 14)
        for _ in 0..<300 {
            let bytes = Self.randomHistory(random).stateEncoding()
            let cut = Int(random.nextUInt64() % UInt64(bytes.count))
            #expect(throws: StateEncodingError.self) { try JobHistory(stateEncoding: bytes.prefix(cut)) }
            #expect(throws: StateEncodingError.self) { try JobHistory(stateEncoding: bytes + [0]) }
        }
        #expect(throws: StateEncodingError.self) { try JobHistory(stateEncoding: Array(#"{"openIntent":true}"#.utf8)) }
        #expect(throws: StateEncodingError.self) { try JobHistory(stateEncoding: [UInt8]()) }
    }
}
