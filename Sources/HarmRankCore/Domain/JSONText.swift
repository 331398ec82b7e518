extension JSONValue {
    /// Compact JSON text (RFC 8259): members in their order, numbers exactly as they were written.
    public var text: String {
        var output = ""
        write(to: &output)
        return output
    }

    private func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let literal): output += literal
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                element.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { output += "," }
                Self.writeString(member.key, to: &output)
                output += ":"
                member.value.write(to: &output)
            }
            output += "}"
        }
    }

    /// Escapes what JSON requires (quote, backslash, control characters) and nothing else. What lies between two
    /// escapes is appended whole: a dead letter carries its whole payload, an oversized one too, as one escaped
    /// string, and appending it scalar by scalar showed in IngestService's profile of a backfill.
    static func writeString(_ value: String, to output: inout String) {
        output += "\""
        let utf8 = value.utf8
        var run = utf8.startIndex
        var index = run
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                // The byte is ASCII, so both ends of the run are scalar boundaries.
                output += value[run..<index]
                output += escaped(byte)
                run = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        output += value[run..<utf8.endIndex]
        output += "\""
    }

    private static func escaped(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "\""): "\\\""
        case UInt8(ascii: "\\"): "\\\\"
        case UInt8(ascii: "\n"): "\\n"
        case UInt8(ascii: "\r"): "\\r"
        case UInt8(ascii: "\t"): "\\t"
        default: "\\u00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16)
        }
    }
}
