// Reading a JWT's `exp` without verifying it.

import Foundation
import Testing

@testable import RekeyVendor

@Suite struct JWTExpiryTests {
    static func token(_ payload: String) -> String {
        let b64 = Data(payload.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return "eyJhbGciOiJub25lIn0." + b64 + ".sig"
    }

    @Test func theExpClaimIsRead() {
        #expect(
            JWTExpiry.expiry(of: Self.token(#"{"exp":1800000000,"sub":"a?b>c"}"#))
                == Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test(arguments: ["not-a-jwt", "a.b", "a.!!!.c", Self.token(#"{"sub":"x"}"#), Self.token(#"{"exp":"soon"}"#)])
    func anUnreadableTokenHasNoExpiry(_ token: String) {
        #expect(JWTExpiry.expiry(of: token) == nil)
    }
}
