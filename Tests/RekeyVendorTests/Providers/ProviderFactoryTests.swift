// Each provider spec gets its provider, with the idempotency the retry rules depend on.

import Foundation
import RekeyTestSupport
import Testing

@testable import RekeyModel
@testable import RekeyVendor

@Suite struct ProviderFactoryTests {
    static let base = URL(string: "https://vendor.example")!

    static func job(_ spec: ProviderSpec) -> Job {
        Job(
            name: "j", tenant: "t", env: "prod", provider: spec, credentials: [:], policy: Policy(), sinks: [],
            location: RekeyModel.SourceLocation(file: "jobs.yaml", line: 1, column: 1))
    }

    @Test(arguments: [
        (
            ProviderSpec.questionPro(QuestionProSpec(baseURL: base, organizationID: "1")),
            ProviderKind.questionProAPIKey, false, true
        ),
        (.qrveyAdmin(QrveyAdminSpec(baseURL: base, username: "u")), .qrveyAdminToken, true, false),
        (.qrveyComposer(QrveyComposerSpec(baseURL: base, userID: "u", appID: "a")), .qrveyComposerToken, true, false),
    ])
    func eachSpecGetsItsProvider(_ spec: ProviderSpec, _ kind: ProviderKind, _ idempotent: Bool, _ canProbe: Bool) {
        let provider = ProviderFactory.make(
            for: Self.job(spec), transport: HTTPProviderSupportTests.FailingTransport(), clock: ManualClock())
        #expect(provider.kind == kind)
        #expect(provider.isIdempotent == idempotent)
        #expect(provider.canProbe == canProbe)
    }
}
