import RekeyReporting
import Testing

/// The plain-text table of `plan` and `audit report`: columns aligned by characters, two
/// spaces between them, the last column never padded.
@Suite struct TextTableTests {
    @Test func columnsAlignByCharactersAndTheLastIsNotPadded() {
        var table = TextTable(header: ["JOB", "STATE", "LAST ERROR"])
        table.append(["a", "ok", ""])
        table.append(["größe-ü", "overdue", "vendor said: nein"])
        let lines = [
            "JOB      STATE    LAST ERROR",
            "a        ok       ",
            "größe-ü  overdue  vendor said: nein",
        ]
        #expect(table.render() == lines.joined(separator: "\n"))
    }

    @Test func aRowShorterThanTheHeaderIsPaddedOnlyAsFarAsItGoes() {
        var table = TextTable(header: ["A", "B"])
        table.append(["long-cell"])
        #expect(table.render() == "A          B\nlong-cell")
    }
}
