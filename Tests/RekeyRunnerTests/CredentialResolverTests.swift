import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyModel
@testable import RekeyRunner

@Suite struct CredentialResolverTests {
    func job(_ reference: CredentialReference?, sinks: [SinkSpec] = []) -> Job {
        Job(
            name: "acme-prod", tenant: "acme", env: "prod",
            provider: .questionPro(
                QuestionProSpec(baseURL: URL(string: "https://api.questionpro.com")!, organizationID: "1")),
            credentials: reference.map { ["api_key": $0] } ?? [:], policy: Policy(), sinks: sinks,
            location: testLocation)
    }

    @Test func anEnvironmentReferenceReadsTheInjectedEnvironment() throws {
        let resolved = try CredentialResolver(environment: ["QP_ACME_KEY": "k-123"]).resolve(job(.env("QP_ACME_KEY")))
        #expect(resolved["api_key"]?.revealed == "k-123")
    }

    /// A FIFO planted at a credential path must be refused at once, not read: reading one
    /// blocks until a writer appears, while the run holds its lock.
    @Test(.timeLimit(.minutes(1))) func aFIFOAsAFileCredentialIsRefusedWithoutBlocking() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(mkfifo(dir.file("key"), 0o600) == 0)
        let error = #expect(throws: CredentialError.self) {
            try CredentialResolver(environment: [:]).resolve(job(.file(dir.file("key"))))
        }
        #expect(error?.description.contains("not a regular file") == true)
    }

    @Test func anUnsetVariableIsNamedButNoValueIsShown() {
        let error = #expect(throws: CredentialError.self) {
            try CredentialResolver(environment: ["OTHER": "k-123"]).resolve(job(.env("QP_ACME_KEY")))
        }
        #expect(error?.description.contains("env:QP_ACME_KEY is not set") == true)
        #expect(error?.description.contains("k-123") == false)
    }

    @Test func anEmptyVariableIsAnError() {
        #expect(throws: CredentialError.empty(credential: "api_key", reference: .env("K"))) {
            try CredentialResolver(environment: ["K": ""]).resolve(job(.env("K")))
        }
    }

    @Test func aFileReferenceTrimsOneTrailingNewline() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("key", "k-123\n")
        #expect(try CredentialResolver(environment: [:]).resolve(job(.file(path)))["api_key"]?.revealed == "k-123")
    }

    @Test func aMissingFileIsNamedAndALargeOneRefused() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let missing = dir.file("nope")
        let error = #expect(throws: CredentialError.self) {
            try CredentialResolver(environment: [:]).resolve(job(.file(missing)))
        }
        #expect(
            error == .unreadable(credential: "api_key", reference: .file(missing), cause: .fileMissing(path: missing)))
        #expect(error?.description.contains("file:\(missing)") == true)

        let big = try dir.write("big", String(repeating: "x", count: 200))
        #expect(throws: CredentialError.fileTooLarge(credential: "api_key", reference: .file(big), limit: 100)) {
            try CredentialResolver(environment: [:], fileSizeLimit: 100).resolve(job(.file(big)))
        }
    }

    @Test func aSinkReferenceReadsBackWhatRekeyWrote() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let envSink = envSpec(dir.file("app.env"), key: "API_KEY", id: "app")
        let fileSink = fileSpec(dir.file("key"), id: "raw", trailingNewline: true)
        try envSink.makeSink().write(Secret("env secret $x"))
        try fileSink.makeSink().write(Secret("file-secret"))
        let resolver = CredentialResolver(environment: [:])
        #expect(
            try resolver.resolve(job(.sink("app"), sinks: [envSink, fileSink]))["api_key"]?.revealed == "env secret $x")
        #expect(
            try resolver.resolve(job(.sink("raw"), sinks: [envSink, fileSink]))["api_key"]?.revealed == "file-secret")
    }

    @Test func anUnknownSinkOrAMissingReferenceIsNamed() {
        let resolver = CredentialResolver(environment: [:])
        #expect(throws: CredentialError.unknownSink(credential: "api_key", reference: .sink("nope"))) {
            try resolver.resolve(job(.sink("nope")))
        }
        #expect(throws: CredentialError.missing(credential: "api_key", job: "acme-prod")) {
            try resolver.resolve(job(nil))
        }
    }

    @Test func anUnreadableSinkValueDoesNotLeakTheFileContent() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = try dir.write("app.env", "API_KEY=leaky$value\n")
        let sink = envSpec(path, key: "API_KEY", id: "app")
        let error = #expect(throws: CredentialError.self) {
            try CredentialResolver(environment: [:]).resolve(job(.sink("app"), sinks: [sink]))
        }
        #expect(error?.description.contains("sink:app") == true)
        #expect(error?.description.contains("leaky") == false)
    }
}
