// What a vendor failure says: status, vendor name and id, the next step — and never a
// secret or a control character, however the vendor phrased its message.

import Foundation
import Testing

@testable import RekeyModel
@testable import RekeyVendor

@Suite struct ProviderErrorTests {
    @Test func aStatusErrorNamesTheVendorStatusNameIdAndMessage() {
        let error = ProviderError(
            vendor: "QuestionPro", kind: .status(401), vendorErrorName: "UNAUTHORIZED", vendorErrorID: "1010",
            vendorMessage: "Incorrect API Key")
        #expect(error.description.hasPrefix("QuestionPro answered 401 UNAUTHORIZED (error 1010): Incorrect API Key"))
        #expect(error.description.contains("rekey adopt"))
        #expect(error.errorDescription == error.description)
    }

    @Test(arguments: [(403, "permission"), (404, "base_url"), (302, "redirects are refused")])
    func aStatusErrorSaysWhatToDoNext(_ code: Int, _ hint: String) {
        #expect(ProviderError(vendor: "V", kind: .status(code)).description.contains(hint))
    }

    @Test func aTransportErrorSaysWhetherTheRequestWentOut() {
        let refused = ProviderError(
            vendor: "V", transport: TransportError(kind: .connect, headSent: false, detail: "refused"))
        #expect(refused.description == "V could not be reached")
        let timedOut = ProviderError(vendor: "V", transport: TransportError(kind: .timeout, headSent: true, detail: ""))
        #expect(timedOut.description == "V: timed out after the request was sent")
        let huge = ProviderError(
            vendor: "V", transport: TransportError(kind: .bodyTooLarge, headSent: true, detail: ""))
        #expect(huge.description.contains("larger than 1 MiB"))
    }

    @Test func aRawTransportDetailIsNeverShown() {
        let error = ProviderError(
            vendor: "V", transport: TransportError(kind: .other, headSent: true, detail: "raw nio text"))
        #expect(!error.description.contains("raw nio text"))
    }

    @Test func scrubbingRemovesEverySecretSentAndCapsTheLength() {
        let secrets = [Secret("abcd-secret"), Secret("xyz")]
        #expect(
            ProviderError.scrub("key abcd-secret is bad; abcd-secret!", secrets: secrets)
                == "key <redacted> is bad; <redacted>!")
        #expect(ProviderError.scrub(String(repeating: "a", count: 500), secrets: [])?.count == 200)
        #expect(ProviderError.scrub("line\nbreak\u{1B}[31m", secrets: []) == "linebreak[31m")
        #expect(ProviderError.scrub(nil, secrets: secrets) == nil)
    }
}
