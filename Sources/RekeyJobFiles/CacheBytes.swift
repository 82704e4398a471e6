// The byte layer of the job-file cache: little-endian integers, length-prefixed UTF-8
// strings and presence flags, written to one growing buffer and read back with bounds
// checks. A reader that runs past its bytes or meets a value it cannot hold throws
// `CacheBytes.Malformed`, and the cache is rebuilt from the job files: a corrupt cache
// costs a parse, never a wrong job.

import Foundation

package enum CacheBytes {
    package struct Malformed: Error {}

    package struct Writer {
        package private(set) var bytes: [UInt8] = []

        package init() {}

        package mutating func int(_ value: Int64) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }

        package mutating func int(_ value: Int) { int(Int64(value)) }

        package mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

        package mutating func string(_ value: String) {
            var value = value
            value.withUTF8 { utf8 in
                int(utf8.count)
                bytes.append(contentsOf: utf8)
            }
        }

        package mutating func strings(_ values: [String]) {
            int(values.count)
            for value in values { string(value) }
        }

        /// A presence flag, then the value when there is one.
        package mutating func optional<T>(_ value: T?, _ write: (inout Writer, T) -> Void) {
            bool(value != nil)
            if let value { write(&self, value) }
        }

        package mutating func array<T>(_ values: [T], _ write: (inout Writer, T) -> Void) {
            int(values.count)
            for value in values { write(&self, value) }
        }

        package mutating func append(_ raw: some Collection<UInt8>) { bytes.append(contentsOf: raw) }
    }

    package struct Reader {
        /// A slice keeps the indices of the buffer it was cut from: positions here are those.
        let bytes: ArraySlice<UInt8>
        package private(set) var position: Int

        package init(_ bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            self.position = bytes.startIndex
        }

        package init(_ bytes: [UInt8]) { self.init(bytes[...]) }

        package var isAtEnd: Bool { position == bytes.endIndex }

        package mutating func int() throws(Malformed) -> Int64 {
            guard bytes.endIndex - position >= 8 else { throw Malformed() }
            var value: Int64 = 0
            withUnsafeMutableBytes(of: &value) { raw in
                for index in 0..<8 { raw[index] = bytes[position + index] }
            }
            position += 8
            return Int64(littleEndian: value)
        }

        /// A count or an index: never negative, never more than the bytes left could hold.
        package mutating func count() throws(Malformed) -> Int {
            let value = try int()
            guard value >= 0, value <= Int64(bytes.endIndex - position) else { throw Malformed() }
            return Int(value)
        }

        package mutating func smallInt() throws(Malformed) -> Int {
            let value = try int()
            guard let narrow = Int(exactly: value) else { throw Malformed() }
            return narrow
        }

        package mutating func bool() throws(Malformed) -> Bool {
            guard position < bytes.endIndex, bytes[position] <= 1 else { throw Malformed() }
            defer { position += 1 }
            return bytes[position] == 1
        }

        package mutating func string() throws(Malformed) -> String {
            let length = try count()
            defer { position += length }
            guard let value = String(validating: bytes[position..<position + length], as: UTF8.self) else {
                throw Malformed()
            }
            return value
        }

        package mutating func strings() throws(Malformed) -> [String] {
            try array { reader throws(Malformed) in try reader.string() }
        }

        package mutating func optional<T>(_ read: (inout Reader) throws(Malformed) -> T) throws(Malformed) -> T? {
            try bool() ? try read(&self) : nil
        }

        package mutating func array<T>(_ read: (inout Reader) throws(Malformed) -> T) throws(Malformed) -> [T] {
            let count = try count()
            var values: [T] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try read(&self)) }
            return values
        }

        package mutating func raw(_ length: Int) throws(Malformed) -> ArraySlice<UInt8> {
            guard length >= 0, bytes.endIndex - position >= length else { throw Malformed() }
            defer { position += length }
            return bytes[position..<position + length]
        }
    }
}
