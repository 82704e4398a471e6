import Foundation
import RekeyModel
import RekeyTestSupport
import Testing

@testable import RekeyRemoteSinks

/// rekey's SigV4 signer against botocore's `SigV4Auth` (scripts/sigv4-botocore.py) on
/// requests from a seeded generator: every method, paths with spaces, unicode, dot
/// segments and repeated slashes, encoded queries with repeated and empty keys, headers
/// in any case with runs of whitespace and repeats, any body, with and without a session
/// token. Any difference fails with both canonical requests.
@Suite struct SigV4DifferentialTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/sigv4-botocore.py").path

    static var botocoreAvailable: Bool {
        (try? runTool(["python3", "-c", "import botocore.auth"], input: Data()).status) == 0
    }

    /// SplitMix64: the same requests on every run.
    struct Generator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

        mutating func text(_ alphabet: [String], length: ClosedRange<Int>) -> String {
            (0..<(length.lowerBound + below(length.count))).map { _ in pick(alphabet) }.joined()
        }
    }

    static let pathAlphabet = [
        "a", "Z", "0", "-", "_", ".", "~", " ", "é", "ሴ", "😀", "%", "+", "=", "&", "!", "$", "'", "(", ")", "*", ",",
        ";", ":", "@",
    ]
    static let queryAlphabet = ["a", "B", "9", "-", "_", ".", "~", " ", "/", "?", "=", "&", "+", "é", "ሴ", "%", "*"]
    static let headerNames = [
        "Content-Type", "X-Amz-Target", "x-custom", "My-Header1", "MY-HEADER2", "Accept", "User-Agent",
        "X-Amzn-Trace-Id",
        "Expect", "Content-MD5", "x-amz-meta-Tag",
    ]
    static let headerAlphabet = ["a", "b", "Z", "1", " ", "  ", "\t", "\"", ",", ";", "=", "/", ":", "-"]

    struct Case {
        var request: SigV4Request
        var date: Date
        var credentials: AWSCredentials
        var region: String
        var service: String
    }

    static func generate(count: Int, seed: UInt64) -> [Case] {
        var g = Generator(state: seed)
        return (0..<count).map { index in
            let origin = g.pick([
                "https://example.amazonaws.com", "https://secretsmanager.eu-west-1.amazonaws.com",
                "http://127.0.0.1:4566", "http://localhost:8080", "https://example.com:443",
            ])
            var segments: [String] = []
            for _ in 0..<g.below(5) {
                switch g.below(8) {
                case 0: segments.append(".")
                case 1: segments.append("..")
                case 2: segments.append("")
                default: segments.append(SigV4Signer.encode(g.text(pathAlphabet, length: 1...8)))
                }
            }
            var path = "/" + segments.joined(separator: "/")
            if g.chance(20) { path += "/" }
            var pairs: [String] = []
            for _ in 0..<g.below(5) {
                let key = SigV4Signer.encode(g.text(queryAlphabet, length: 1...6))
                switch g.below(4) {
                case 0: pairs.append(key)
                case 1: pairs.append(key + "=")
                default: pairs.append(key + "=" + SigV4Signer.encode(g.text(queryAlphabet, length: 0...8)))
                }
                if g.chance(20), let last = pairs.last { pairs.append(last) }
            }
            let query = pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&")
            var headers: [(String, String)] = []
            for _ in 0..<g.below(5) {
                headers.append((g.pick(headerNames), g.text(headerAlphabet, length: 1...12)))
            }
            let body = Data((0..<g.pick([0, 0, 1, 17, 64])).map { _ in UInt8(truncatingIfNeeded: g.next()) })
            let credentials = AWSCredentials(
                accessKeyID: "AKID\(index)", secretAccessKey: Secret("secret/\(g.next())+key"),
                sessionToken: g.chance(33) ? Secret("token-\(g.next())") : nil)
            return Case(
                request: SigV4Request(
                    method: g.pick(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]),
                    url: URL(string: origin + path + query)!, headers: headers, body: body),
                date: Date(timeIntervalSince1970: Double(1_400_000_000 + g.below(400_000_000))),
                credentials: credentials, region: g.pick(["us-east-1", "eu-west-1", "ap-southeast-2"]),
                service: g.pick(["secretsmanager", "service", "sts"]))
        }
    }

    @Test(
        .enabled(
            if: botocoreAvailable || SystemTestGate.required,
            "python3 cannot import botocore (pip install 'moto[server]')"))
    func botocoreSignsEveryGeneratedRequestAlike() throws {
        let cases = Self.generate(count: 80, seed: 20_261_125)
        let input: [[String: Any]] = cases.map { c in
            var object: [String: Any] = [
                "method": c.request.method, "url": c.request.url.absoluteString,
                "headers": c.request.headers.map { [$0.0, $0.1] }, "body": c.request.body.base64EncodedString(),
                "timestamp": SigV4Signer.timestamp(c.date), "access_key": c.credentials.accessKeyID,
                "secret_key": c.credentials.secretAccessKey.revealed, "region": c.region, "service": c.service,
            ]
            if let token = c.credentials.sessionToken { object["token"] = token.revealed }
            return object
        }
        let result = try runTool(["python3", Self.script], input: try JSONSerialization.data(withJSONObject: input))
        try #require(result.status == 0, "\(result.errors)")
        let answers = try #require(try JSONSerialization.jsonObject(with: result.output) as? [[String: String]])
        try #require(answers.count == cases.count)
        var paths = Set<String>()
        for (c, answer) in zip(cases, answers) {
            paths.insert(c.request.url.path(percentEncoded: true))
            let signer = SigV4Signer(credentials: c.credentials, region: c.region, service: c.service)
            let ours = signer.sign(c.request, at: c.date)
            let authorization = ours.first { $0.0 == "Authorization" }?.1
            var signed = c.request
            signed.headers = ours.filter { $0.0 != "Authorization" }
            #expect(
                authorization == answer["authorization"],
                "\(c.request.method) \(c.request.url)\nours:\n\(signer.canonicalRequest(signed))\nbotocore:\n\(answer["canonical_request"] ?? "")"
            )
        }
        // The generator really produced the awkward cases.
        #expect(paths.contains { $0.contains("%20") })
        #expect(paths.contains { $0.contains("%E1%88%B4") || $0.contains("%C3%A9") })
        #expect(paths.contains { $0.contains("/../") || $0.hasSuffix("/..") })
    }
}

/// Runs a program with `input` on stdin; its status, stdout and stderr.
func runTool(_ arguments: [String], input: Data) throws -> (status: Int32, output: Data, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(input)
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output, errors)
}
