import Foundation
import RekeyModel
import Testing

@testable import RekeyRemoteSinks

/// AWS's published SigV4 test suite (aws-sig-v4-test-suite, 2015-08-30, AKIDEXAMPLE,
/// us-east-1, service "service"), transcribed by hand: each request and the signature AWS
/// publishes for it.
@Suite struct SigV4VectorTests {
    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: Secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    static let scope = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"

    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var method: String
        var target: String
        var headers: [(String, String)] = []
        var body = ""
        var signedHeaders: String
        var signature: String

        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(
            name: "get-vanilla", method: "GET", target: "/", signedHeaders: "host;x-amz-date",
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(
            name: "get-vanilla-query-order-key-case", method: "GET", target: "/?Param2=value2&Param1=value1",
            signedHeaders: "host;x-amz-date",
            signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(
            name: "get-vanilla-query-order-value", method: "GET", target: "/?Param1=value2&Param1=value1",
            signedHeaders: "host;x-amz-date",
            signature: "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"),
        Vector(
            name: "get-unreserved", method: "GET",
            target: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            signedHeaders: "host;x-amz-date",
            signature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        Vector(
            name: "get-slashes", method: "GET", target: "//example//", signedHeaders: "host;x-amz-date",
            signature: "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"),
        Vector(
            name: "get-vanilla-utf8-query", method: "GET", target: "/?%E1%88%B4=bar", signedHeaders: "host;x-amz-date",
            signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        Vector(
            name: "get-header-value-order", method: "GET", target: "/",
            headers: [
                ("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"), ("My-Header1", "value2"),
            ],
            signedHeaders: "host;my-header1;x-amz-date",
            signature: "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
        Vector(
            name: "get-header-key-duplicate", method: "GET", target: "/",
            headers: [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")],
            signedHeaders: "host;my-header1;x-amz-date",
            signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        Vector(
            name: "get-header-value-trim", method: "GET", target: "/",
            headers: [("My-Header1", " value1"), ("My-Header2", "\"a   b   c\"")],
            signedHeaders: "host;my-header1;my-header2;x-amz-date",
            signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(
            name: "post-x-www-form-urlencoded", method: "POST", target: "/",
            headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "Param1=value1",
            signedHeaders: "content-type;host;x-amz-date",
            signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ]

    static func authorization(_ vector: Vector, credentials: AWSCredentials = credentials) -> String? {
        let request = SigV4Request(
            method: vector.method, url: URL(string: "https://example.amazonaws.com" + vector.target)!,
            headers: vector.headers, body: Data(vector.body.utf8))
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")
        return signer.sign(request, at: date).first { $0.0 == "Authorization" }?.1
    }

    @Test(arguments: vectors)
    func aPublishedVectorSignsToItsPublishedAuthorization(_ vector: Vector) {
        #expect(
            Self.authorization(vector)
                == "AWS4-HMAC-SHA256 Credential=\(Self.scope), SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)"
        )
    }

    @Test func theSessionTokenVectorSignsTheSecurityTokenHeader() {
        var credentials = Self.credentials
        credentials.sessionToken = Secret("6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267")
        let vector = Vector(name: "session-token", method: "GET", target: "/", signedHeaders: "", signature: "")
        #expect(
            Self.authorization(vector, credentials: credentials)
                == "AWS4-HMAC-SHA256 Credential=\(Self.scope), SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"
        )
    }

    /// The suite's canonical URIs: get-space and get-utf8 send an encoded path, which is
    /// encoded once more (every service but S3 expects that).
    @Test func canonicalURIsRemoveDotSegmentsAndEncodeTwice() {
        #expect(SigV4Signer.canonicalURI("//example//") == "/example/")
        #expect(SigV4Signer.canonicalURI("/example/..") == "/")
        #expect(SigV4Signer.canonicalURI("/./example/./") == "/example/")
        #expect(SigV4Signer.canonicalURI("/example%20space/") == "/example%2520space/")
        #expect(SigV4Signer.canonicalURI("/%E1%88%B4") == "/%25E1%2588%25B4")
        #expect(SigV4Signer.canonicalURI("") == "/")
    }

    @Test func theSignatureChangesWithEveryInput() {
        let base = Self.vectors[0]
        var other = base
        other.target = "/other"
        #expect(Self.authorization(base) != Self.authorization(other))
        var posted = base
        posted.body = "x"
        #expect(Self.authorization(base) != Self.authorization(posted))
    }
}
