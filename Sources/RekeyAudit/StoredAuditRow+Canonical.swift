// The canonical encoding of a stored row, written from its column bytes: the same bytes as
// `AuditEvent.canonicalEncoding` for the event that was appended (see
// `AuditEvent+Canonical.swift`; the tests pin both). It encodes what is stored: a step
// name or text the writer could not have produced is hashed as it is, so it shows as changed.

extension StoredAuditRow {
    /// One column's value, read once (each read is a call into SQLite).
    private enum Value {
        case integer(Int64?)
        case text(UnsafeBufferPointer<UInt8>?)
    }

    func appendCanonicalEncoding(to buffer: inout CanonicalEncodingBuffer) {
        let columns = hasProbeConfig ? AuditColumn.encodedWithProbeConfig : AuditColumn.alwaysEncoded
        withUnsafeTemporaryAllocation(of: Value.self, capacity: columns.count) { values in
            // Read every column, then reserve once for the whole row: the fields' fixed parts
            // plus the stored text.
            var maximumCount = Self.maximumFixedCount
            for (index, column) in columns.enumerated() {
                if column.holdsInteger {
                    values.initializeElement(at: index, to: .integer(integer(column)))
                } else {
                    let value = text(column)
                    maximumCount += value?.count ?? 0
                    values.initializeElement(at: index, to: .text(value))
                }
            }
            buffer.write(atMost: maximumCount) { writer in
                for (index, column) in columns.enumerated() {
                    switch values[index] {
                    case .integer(let value): writer.field(column.name, integer: value)
                    case .text(let value):
                        // Added in schema v4: encoded only when present, so older rows hash as they did.
                        if column == .probeConfig && value == nil { continue }
                        writer.field(column.name, utf8: value)
                    }
                }
            }
            values.deinitialize()
        }
    }

    /// The most bytes every field but its text takes (an integer counts as 20 digits).
    private static let maximumFixedCount = AuditColumn.encodedWithProbeConfig.reduce(0) { total, column in
        total + CanonicalEncodingBuffer.maximumFieldCount(name: column.name, valueCount: column.holdsInteger ? 20 : 0)
    }
}
