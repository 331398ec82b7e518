/// A cursor over a JSON document (RFC 8259), checked against the grammar as it goes. `JSONValue.parse` builds a
/// whole document with it; the messages HarmRank writes and reads in bulk (score messages) are read with it in
/// order instead, field by field: building a `JSONValue` of every score was most of what decoding one cost.
///
/// Reading in order does not look for duplicate keys (the last one read wins): what is read this way is what
/// HarmRank itself wrote. Records from outside go through `JSONValue.parse`, which reports them.
package struct JSONReader {
    package typealias SyntaxError = JSONValue.SyntaxError

    package let bytes: [UInt8]
    package var index = 0
    /// Where the key of the member being read starts, for errors about the key.
    private(set) var keyOffset = 0

    /// Checks once that `bytes` are UTF-8, so that strings can be decoded from them without replacing anything;
    /// in place, without the copy a validated String would make of every message.
    package init(_ bytes: some Collection<UInt8>) throws(SyntaxError) {
        self.bytes = Array(bytes)
        guard (try? UTF8Span(validating: self.bytes.span)) != nil else {
            throw SyntaxError(offset: 0, problem: "the text is not valid UTF-8")
        }
    }

    package func error(_ problem: String) -> SyntaxError { SyntaxError(offset: index, problem: problem) }

    // MARK: Reading in order

    /// Calls `body` with each member's key, the reader at the member's value, which `body` must read or skip.
    package mutating func members(_ body: (inout JSONReader, String) throws(SyntaxError) -> Void) throws(SyntaxError) {
        try items(between: "{", and: "}", of: "an object") { reader throws(SyntaxError) in
            guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "\"") else {
                throw reader.error("expected a quoted key")
            }
            reader.keyOffset = reader.index
            let key = try reader.string()
            reader.skipWhitespace()
            guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: ":") else {
                throw reader.error("expected ':'")
            }
            reader.index += 1
            reader.skipWhitespace()
            try body(&reader, key)
        }
    }

    /// Calls `body` with the reader at each element of an array, which `body` must read or skip.
    package mutating func elements(_ body: (inout JSONReader) throws(SyntaxError) -> Void) throws(SyntaxError) {
        try items(between: "[", and: "]", of: "an array", body)
    }

    /// The comma-separated items of an object or an array, each passed to `item` at its first byte.
    private mutating func items(
        between open: Unicode.Scalar, and close: Unicode.Scalar, of container: String,
        _ item: (inout JSONReader) throws(SyntaxError) -> Void
    ) throws(SyntaxError) {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: open) else { throw error("expected \(container)") }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: close) {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try item(&self)
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
            } else if bytes[index] == UInt8(ascii: close) {
                index += 1
                return
            } else {
                throw error("expected ',' or '\(close)'")
            }
        }
    }

    /// The elements of an array, each read by `read`.
    package mutating func array<T>(_ read: (inout JSONReader) throws(SyntaxError) -> T) throws(SyntaxError) -> [T] {
        var elements: [T] = []
        try self.elements { reader throws(SyntaxError) in elements.append(try read(&reader)) }
        return elements
    }

    package mutating func readString() throws(SyntaxError) -> String {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string") }
        return try string()
    }

    /// A whole number that fits 64 bits, as `Int64(literal)` reads one: a fraction or an exponent is refused.
    package mutating func readInteger() throws(SyntaxError) -> Int64 {
        skipWhitespace()
        let start = index
        guard index < bytes.count, bytes[index] == UInt8(ascii: "-") || isDigit(bytes[index]) else {
            throw error("expected a whole number")
        }
        let literal = try number()
        let negative = bytes[literal.lowerBound] == UInt8(ascii: "-")
        // Summed as a negative number, which reaches Int64.min.
        var value: Int64 = 0
        for byte in bytes[(negative ? literal.lowerBound + 1 : literal.lowerBound)..<literal.upperBound] {
            guard isDigit(byte) else { throw SyntaxError(offset: start, problem: "expected a whole number") }
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowAgain) = times10.subtractingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflow, !overflowAgain else { throw SyntaxError(offset: start, problem: "a whole number beyond 64 bits") }
            value = sum
        }
        if negative { return value }
        guard value != .min else { throw SyntaxError(offset: start, problem: "a whole number beyond 64 bits") }
        return -value
    }

    /// A number of any form the grammar allows, as the nearest `Double`.
    package mutating func readNumber() throws(SyntaxError) -> Double {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "-") || isDigit(bytes[index]) else {
            throw error("expected a number")
        }
        let start = index
        let literal = try number()
        guard let value = Double(String(decoding: bytes[literal], as: UTF8.self)), value.isFinite else {
            throw SyntaxError(offset: start, problem: "a number beyond the range of a double")
        }
        return value
    }

    /// Reads a `null` and says so; leaves anything else to be read.
    package mutating func readNull() throws(SyntaxError) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: "n") else { return false }
        try expect("null")
        return true
    }

    /// Passes over a value of any kind, checking it.
    package mutating func skipValue() throws(SyntaxError) {
        _ = try value(depth: 0)
    }

    /// Checks that nothing but whitespace follows the value read.
    package mutating func readEnd() throws(SyntaxError) {
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected text after the JSON value") }
    }

    // MARK: Tokens

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    package mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    package mutating func expect(_ word: StaticString) throws(SyntaxError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw error("unexpected end of input") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw error("unexpected character")
        }
        index += count
    }

    /// Where a number's literal lies, checked against the grammar.
    package mutating func number() throws(SyntaxError) -> Range<Int> {
        let start = index
        func digits() -> Int {
            let first = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            return index - first
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw error("unexpected end of input in a number") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            throw error("a number needs digits")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("a number needs digits after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("a number needs digits in its exponent") }
        }
        return start..<index
    }

    package mutating func string() throws(SyntaxError) -> String {
        index += 1
        let start = index
        // Most strings hold no escape: decoded at once from the bytes between the quotes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: bytes[start..<(index - 1)], as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { break }
            index += 1
        }
        return try escapedString(from: start)
    }

    /// The rest of a string that holds an escape (or is broken), from its first byte at `start`.
    package mutating func escapedString(from start: Int) throws(SyntaxError) -> String {
        var scalars = String.UnicodeScalarView()
        var runStart = start
        func flushRun() {
            if runStart < index { scalars.append(contentsOf: String(decoding: bytes[runStart..<index], as: UTF8.self).unicodeScalars) }
        }
        while true {
            guard index < bytes.count else { throw error("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                flushRun()
                index += 1
                break
            }
            if byte < 0x20 { throw error("control character in a string (escape it)") }
            if byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            flushRun()
            index += 1
            guard index < bytes.count else { throw error("unterminated escape") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    else { throw error("unpaired surrogate in \\u escape") }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                scalars.append(scalar)
            default: throw error("invalid escape")
            }
            runStart = index
        }
        return String(scalars)
    }

    package mutating func hex4() throws(SyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
