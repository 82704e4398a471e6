// Aligned plain-text tables for terminals and cron mail.

public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) {
        self.header = header
    }

    public mutating func append(_ row: [String]) {
        rows.append(row)
    }

    public func render() -> String {
        let all = [header] + rows
        // Widths in characters, each cell counted once; padded with spaces, not through
        // NSString (10,000 rows of `audit report` spent a tenth of its time there).
        let counts = all.map { row in row.map(\.count) }
        var widths = [Int](repeating: 0, count: header.count)
        for row in counts {
            for (index, count) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], count)
            }
        }
        var text = ""
        for (rowIndex, row) in all.enumerated() {
            if rowIndex > 0 { text += "\n" }
            for (index, cell) in row.enumerated() {
                if index > 0 { text += "  " }
                text += cell
                if index < row.count - 1, index < widths.count {
                    text += String(repeating: " ", count: widths[index] - counts[rowIndex][index])
                }
            }
        }
        return text
    }
}
