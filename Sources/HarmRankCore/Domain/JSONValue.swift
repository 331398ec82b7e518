/// A parsed JSON document (RFC 8259) that keeps what validation needs and Foundation's parser loses: numbers as
/// written (so `1`, `1.0` and `true` stay different), members in order, and duplicate keys reported rather than
/// silently resolved.
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// The number's literal text, already checked against the JSON grammar.
    case number(String)
    /// A string, unescaped.
    case string(String)
    /// An array's elements, in order.
    case array([JSONValue])
    /// An object's members, in the order written.
    case object([Member])

    /// A member of an object, in the order written.
    public struct Member: Sendable, Equatable {
        /// The member's key.
        public let key: String
        /// The member's value.
        public let value: JSONValue

        /// A member `key` with `value`.
        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// Where a document breaks the JSON grammar, and how.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The byte the problem was found at.
        public let offset: Int
        /// The problem, in words.
        public let problem: String
        /// The problem and where.
        public var description: String { "\(problem) at byte \(offset)" }
    }

    /// The deepest nesting accepted; deeper documents are refused rather than risking the stack.
    public static let maximumDepth = 64

    /// Parses one whole document, refusing duplicate keys, invalid UTF-8 and nesting deeper than `maximumDepth`.
    public static func parse(_ bytes: some Collection<UInt8>) throws(SyntaxError) -> JSONValue {
        var reader = try JSONReader(bytes)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        try reader.readEnd()
        return value
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Building a whole document.
extension JSONReader {
    mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth < JSONValue.maximumDepth else { throw error("nested deeper than \(JSONValue.maximumDepth) levels") }
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            var members: [JSONValue.Member] = []
            try self.members { reader, key throws(SyntaxError) in
                if members.contains(where: { $0.key == key }) {
                    throw SyntaxError(offset: reader.keyOffset, problem: "duplicate key \"\(key)\"")
                }
                members.append(JSONValue.Member(key: key, value: try reader.value(depth: depth + 1)))
            }
            return .object(members)
        case UInt8(ascii: "["): return .array(try array { reader throws(SyntaxError) in try reader.value(depth: depth + 1) })
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(String(decoding: bytes[try number()], as: UTF8.self))
        default: throw error("unexpected character")
        }
    }
}
