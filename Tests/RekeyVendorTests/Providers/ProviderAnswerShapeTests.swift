// Only a clean JSON string found exactly at the documented place is a new secret: a blank,
// a number, an object, or a same-named decoy elsewhere in the answer is a malformed answer.

import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyModel
@testable import RekeyVendor

extension ProviderAnswerTests {
    // MARK: Only a clean JSON string at the documented place is a secret

    @Test(
        "a QuestionPro answer without a clean string at response.apiKey is malformed",
        arguments: [
            #"{"response":{"apiKey":"   "}}"#, #"{"response":{"apiKey":" qp-key-1"}}"#,
            #"{"response":{"apiKey":"qp-key-1\n"}}"#, #"{"response":{"apiKey":"qp-key-1\u00a0"}}"#,
            #"{"response":{"apiKey":"qp\u0007key"}}"#, #"{"response":{"apiKey":""}}"#,
            #"{"response":{"apiKey":12345678}}"#, #"{"response":{"apiKey":true}}"#, #"{"response":{"apiKey":null}}"#,
            #"{"response":{"apiKey":{"value":"qp-key-1"}}}"#, #"{"response":{"apiKey":["qp-key-1"]}}"#,
            #"{"apiKey":"decoy-key-1","response":{}}"#, #"{"apiKey":"decoy-key-1"}"#,
            #"{"response":{"data":{"apiKey":"decoy-key-1"}}}"#, #"{"response":"qp-key-1"}"#,
            #"{"response":{"apiKey":"   "} "requestID":"r"}"#, #"{"response":{"apiKey":12345678} "requestID":"r"}"#,
            #"{"apiKey":"decoy-key-1" "response":{}}"#, #"{"meta":{"apiKey":"decoy-key-1"} "response":{}}"#,
            #"{"response":{"apiKey":"qp-key-1","apiKey":"qp-key-2"}}"#,
            #"{"response":{"apiKey":"qp-key-1" "apiKey":"qp-key-2"}}"#,
        ])
    func aQuestionProAnswerWithoutACleanKeyIsMalformed(_ body: String) async {
        await Self.expectMalformed(body, Self.issueQuestionPro)
    }

    @Test(arguments: [
        #"{"apiKey":"decoy-key-1","response":{"apiKey":"qp-real-key"}}"#,
        #"{"apiKey":"decoy-key-1" "response":{"apiKey":"qp-real-key"}}"#,
        #"{"response":{"data":{"apiKey":"decoy-key-1"},"apiKey":"qp-real-key"}}"#,
    ])
    func aSameNamedDecoyElsewhereIsIgnored(_ body: String) async throws {
        #expect(try await Self.issueQuestionPro(body).secret.revealed == "qp-real-key")
    }

    @Test("every escape form reads the same strict or not", arguments: LenientJSONEscapeTests.escapeForms)
    func everyEscapeFormReadsTheSameStrictOrNot(_ escaped: String) async throws {
        let expected = try #require(try LenientJSONEscapeTests.strictValue(escaped))
        let clean = !expected.unicodeScalars.contains { $0.properties.generalCategory == .control }
        for body in [
            #"{"response":{"apiKey":"\#(escaped)"}}"#, #"{"response":{"apiKey":"\#(escaped)",},}"#,
            #"{"response":{"apiKey":"\#(escaped)"} "requestID":"r"}"#,
        ] {
            if clean {
                #expect(try await Self.issueQuestionPro(body).secret.revealed == expected)
            } else {
                await Self.expectMalformed(body, Self.issueQuestionPro)
            }
        }
    }

    static func issueQrveyAdmin(_ body: String, tokenField: String? = nil) async throws -> IssuedSecret {
        let spec = QrveyAdminSpec(
            baseURL: URL(string: "https://qrvey.example")!, username: "admin",
            fields: tokenField.map { ["token": $0] } ?? [:])
        return try await QrveyAdminProvider(spec: spec, transport: AnswerTransport(body), clock: ManualClock())
            .issue(current: ["access_key": oldKey], timeout: LoopbackTimeout.answer)
    }

    static func issueQrveyComposer(_ body: String) async throws -> IssuedSecret {
        let spec = QrveyComposerSpec(baseURL: URL(string: "https://qrvey.example")!, userID: "u", appID: "a")
        return try await QrveyComposerProvider(spec: spec, transport: AnswerTransport(body), clock: ManualClock())
            .issue(current: ["api_key": oldKey], timeout: LoopbackTimeout.answer)
    }

    @Test(
        "a Qrvey answer without a clean string token at the top level is malformed",
        arguments: [
            #"{"token":"   "}"#, #"{"token":12345678}"#, #"{"token":false}"#, #"{"data":{"token":"tok-decoy"}}"#,
            #"{"token":" tok-1"}"#, #"{"token":{"jwt":"tok-1"}}"#, #"{"data":{"token":"tok-decoy"} "other":1}"#,
        ])
    func aQrveyAnswerWithoutACleanTokenIsMalformed(_ body: String) async {
        await Self.expectMalformed(body) { try await Self.issueQrveyAdmin($0) }
        await Self.expectMalformed(body) { try await Self.issueQrveyComposer($0) }
    }

    @Test func aQrveyTokenIsReadFromTheConfiguredTopLevelField() async throws {
        let body = #"{"token":"tok-decoy","data":{"accessToken":"tok-decoy-2"},"accessToken":"tok-real"}"#
        #expect(try await Self.issueQrveyAdmin(body, tokenField: "accessToken").secret.revealed == "tok-real")
        #expect(
            try await Self.issueQrveyComposer(#"{"data":{"token":"decoy"},"token":"tok-1"}"#).secret.revealed == "tok-1"
        )
    }
}
