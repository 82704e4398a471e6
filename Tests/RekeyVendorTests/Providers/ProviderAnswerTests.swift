// What a provider takes from a 200 answer as the new secret: exactly the decoded JSON
// string at the documented place, or nothing — then it reports a malformed answer,
// which `RotationCall` settles by probing the old key.

import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyModel
@testable import RekeyVendor

@Suite struct ProviderAnswerTests {
    static let oldKey = Secret("old-key-123456")

    static func questionPro(_ body: String) -> QuestionProProvider {
        QuestionProProvider(
            spec: QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1"),
            transport: AnswerTransport(body), clock: ManualClock())
    }

    static func issueQuestionPro(_ body: String) async throws -> IssuedSecret {
        try await questionPro(body).issue(current: ["api_key": oldKey], timeout: LoopbackTimeout.answer)
    }

    static func expectMalformed(_ body: String, _ issue: (String) async throws -> IssuedSecret) async {
        let error = await #expect(throws: ProviderError.self) { _ = try await issue(body) }
        #expect(error?.kind == .malformedAnswer)
    }

    // MARK: Escapes in a non-strict answer

    @Test func aNonStrictAnswerWithAUnicodeEscapeIssuesTheDecodedKey() async throws {
        let issued = try await Self.issueQuestionPro(#"{"response":{"apiKey":"qp-\u0041-7f3c"} "requestID":"r1"}"#)
        #expect(issued.secret.revealed == "qp-A-7f3c")
        #expect(issued.requestID == "r1")
    }

    @Test(arguments: [#"qp-\x41-7f3c"#, #"qp-\ud83d-7f3c"#, #"qp-\u12"#])
    func aNonStrictAnswerWithAnUndecodableKeyIsMalformed(_ escaped: String) async {
        await Self.expectMalformed(#"{"response":{"apiKey":"\#(escaped)"} "requestID":"r"}"#, Self.issueQuestionPro)
    }
}
