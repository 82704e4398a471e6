import RekeyModel
import Testing

/// A key typed, piped or saved by an editor ends in `\n`, `\r\n` or `\r`: none of it is the key.
@Suite struct SecretLineEndTests {
    @Test(arguments: ["abc\n", "abc\r\n", "abc\r", "abc\r\n\r\n", "abc\n\n", "abc"])
    func aTrailingLineEndIsNotPartOfTheSecret(_ text: String) {
        #expect(Secret(strippingLineEnd: text).revealed == "abc")
    }

    @Test func innerLineBreaksAndSpacesAreKept() {
        #expect(Secret(strippingLineEnd: " a\r\nb \r\n").revealed == " a\r\nb ")
    }
}
