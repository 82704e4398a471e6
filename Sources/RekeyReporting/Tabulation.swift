// Rows of cells under named columns, rendered the three ways reports offer: an aligned
// text table, RFC 4180 CSV, or a Markdown table. Written once for every report.

struct Tabulation {
    var columns: [String]
    var rows: [[String]]

    /// An aligned table with upper-cased headers (`last_success` → `LAST SUCCESS`).
    var table: String {
        var table = TextTable(header: columns.map { $0.uppercased().replacingOccurrences(of: "_", with: " ") })
        for row in rows { table.append(row) }
        return table.render()
    }

    /// RFC 4180: CRLF line ends, fields quoted only when they must be.
    var csv: String {
        ([columns] + rows).map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    var markdown: String {
        var lines = ["| " + columns.joined(separator: " | ") + " |", "|" + columns.map { _ in " --- |" }.joined()]
        for row in rows {
            lines.append(
                "| " + row.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// A field a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab
    /// or CR) gets a leading `'` (OWASP's CSV-injection advice); the lone `-` placeholder
    /// is no formula and stays. Then RFC 4180 quoting.
    static func csvField(_ text: String) -> String {
        var text = text
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), text != "-" {
            text = "'" + text
        }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
