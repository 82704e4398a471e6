import Foundation
import Testing

@testable import RekeyDelivery

@Suite struct EnvFileSyntaxTests {
    @Test func valuesAreSingleQuoted() throws {
        #expect(try EnvFileSyntax.quote("a b$c").get() == "'a b$c'")
    }

    @Test(arguments: ["\u{7F}", "\u{85}", "\u{1B}[0m", "end\\"])
    func controlCharactersAndATrailingBackslashAreRejected(value: String) {
        #expect(EnvFileSyntax.unrepresentableRule(value) != nil)
    }

    @Test(arguments: ["a\\b", "\\start", "$x", "{}", "$ {", "\u{2028}", "\u{A0}"])
    func nearMissesAreCarried(value: String) {
        #expect(EnvFileSyntax.unrepresentableRule(value) == nil)
    }

    @Test func assignmentsRecordPrefixAndTerminator() throws {
        let found = try EnvFileSyntax.assignments(in: "  export K='v' # c\nJ=1").get()
        #expect(found.map(\.key) == ["K", "J"])
        #expect(found[0].prefix == "  export ")
        #expect(found[0].terminator == "\n")
        #expect(found[1].terminator == "")
        #expect(try found[0].value.get() == "v")
    }

    @Test(arguments: ["# K=1", "echo K=1", ";K=1", "", "   "])
    func linesThatAreNotAssignmentsAreSkipped(line: String) throws {
        #expect(try EnvFileSyntax.assignments(in: line + "\n").get().filter { $0.key == "K" }.isEmpty)
    }
}
