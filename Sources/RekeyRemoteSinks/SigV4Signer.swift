// AWS Signature Version 4 (the header form), written with swift-crypto: there is no AWS SDK
// in reach. It follows botocore's `SigV4Auth` step for step — the tests compare the two on
// generated requests and on AWS's published `AKIDEXAMPLE` examples:
//   canonical request = method, URI (dot segments and repeated slashes removed, then every
//   byte but unreserved ones and '/' percent-encoded — so an encoded path is encoded
//   twice, as every service but S3 expects), sorted query, sorted lower-cased headers
//   with whitespace runs folded, the signed header names, the body's SHA-256;
//   string to sign = algorithm, timestamp, scope, SHA-256 of the canonical request;
//   key = HMAC chain over date, region, service, "aws4_request".

import Crypto
import Foundation
import RekeyModel

public struct AWSCredentials: Sendable, Hashable {
    public var accessKeyID: String
    public var secretAccessKey: Secret
    public var sessionToken: Secret?

    public init(accessKeyID: String, secretAccessKey: Secret, sessionToken: Secret? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// A request to sign: the URL as sent (path and query already percent-encoded).
public struct SigV4Request: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(String, String)]
    public var body: Data

    public init(method: String, url: URL, headers: [(String, String)] = [], body: Data = Data()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct SigV4Signer: Sendable {
    /// Headers botocore never signs (a proxy may change them).
    static let unsignedHeaders: Set<String> = ["expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"]

    public var credentials: AWSCredentials
    public var region: String
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The request's headers as sent: its own (less any earlier `Authorization`,
    /// `X-Amz-Date` and `X-Amz-Security-Token`) plus those three, signed at `date`.
    public func sign(_ request: SigV4Request, at date: Date) -> [(String, String)] {
        let timestamp = Self.timestamp(date)
        var headers = request.headers.filter {
            !["authorization", "x-amz-date", "x-amz-security-token"].contains($0.0.lowercased())
        }
        headers.append(("X-Amz-Date", timestamp))
        if let token = credentials.sessionToken { headers.append(("X-Amz-Security-Token", token.revealed)) }
        var signed = request
        signed.headers = headers
        let canonical = canonicalRequest(signed)
        let scope = "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", timestamp, scope, Self.hex(SHA256.hash(data: Data(canonical.utf8)))]
            .joined(separator: "\n")
        let signature = Self.hex(
            HMAC<SHA256>.authenticationCode(
                for: Data(stringToSign.utf8), using: signingKey(date: String(timestamp.prefix(8)))))
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders(signed)), Signature=\(signature)"
        return headers + [("Authorization", authorization)]
    }

    func signingKey(date: String) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)))
        }
        let secret = SymmetricKey(data: Data(("AWS4" + credentials.secretAccessKey.revealed).utf8))
        return hmac(hmac(hmac(hmac(secret, date), region), service), "aws4_request")
    }

    /// The canonical request (step 1 of the signature).
    func canonicalRequest(_ request: SigV4Request) -> String {
        let headers = canonicalHeaders(request)
        return [
            request.method.uppercased(),
            Self.canonicalURI(Self.percentEncodedPath(request.url)),
            Self.canonicalQuery(request.url.query(percentEncoded: true) ?? ""),
            headers.map { "\($0.name):\($0.value)" }.joined(separator: "\n") + "\n",
            headers.map(\.name).joined(separator: ";"),
            Self.hex(SHA256.hash(data: request.body)),
        ].joined(separator: "\n")
    }

    func signedHeaders(_ request: SigV4Request) -> String {
        canonicalHeaders(request).map(\.name).joined(separator: ";")
    }

    /// Lower-cased names, sorted; a repeated header's values joined with ','; each value's
    /// whitespace runs folded to one space and trimmed; `host` added from the URL.
    func canonicalHeaders(_ request: SigV4Request) -> [(name: String, value: String)] {
        var values: [String: [String]] = [:]
        for (name, value) in request.headers {
            let lower = name.lowercased()
            guard !Self.unsignedHeaders.contains(lower) else { continue }
            values[lower, default: []].append(
                value.split(whereSeparator: { $0.isWhitespace }).joined(separator: " "))
        }
        if values["host"] == nil { values["host"] = [Self.host(of: request.url)] }
        return values.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map {
            (name: $0, value: values[$0]!.joined(separator: ","))
        }
    }

    /// `host`, with the port when it is not the scheme's default.
    static func host(of url: URL) -> String {
        let host = url.host(percentEncoded: true) ?? ""
        guard let port = url.port else { return host }
        let isDefault = (url.scheme == "https" && port == 443) || (url.scheme == "http" && port == 80)
        return isDefault ? host : "\(host):\(port)"
    }

    static func percentEncodedPath(_ url: URL) -> String {
        url.path(percentEncoded: true)
    }

    /// RFC 3986 dot-segment removal with empty segments dropped, then every byte but
    /// unreserved ones and '/' percent-encoded (a '%' becomes '%25').
    static func canonicalURI(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var output: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty || segment == "." { continue }
            if segment == ".." {
                if !output.isEmpty { output.removeLast() }
            } else {
                output.append(segment)
            }
        }
        let first = path.hasPrefix("/") ? "/" : ""
        let last = path.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return encode(first + output.joined(separator: "/") + last, keeping: "/")
    }

    /// Pairs sorted by key then value (as encoded); `key` without '=' becomes `key=`.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        return pairs.sorted { a, b in
            a.0 == b.0
                ? Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8))
                : Array(a.0.utf8).lexicographicallyPrecedes(Array(b.0.utf8))
        }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Percent-encodes every byte but `A–Z a–z 0–9 - _ . ~` and those in `keeping` (uppercase hex).
    public static func encode(_ text: String, keeping: String = "") -> String {
        let kept = Set(keeping.utf8)
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case _ where kept.contains(byte):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
