/// Compact JSON text written straight into bytes, for the messages HarmRank sends by the million (Foundation's
/// `JSONEncoder` costs several times more per field). Members come out in the order written.
///
///     var writer = JSONWriter()
///     writer.object { object in
///         object.field("id", "S1")
///         object.array("lists") { array in array.element("vawg100") }
///     }
public struct JSONWriter {
    /// The UTF-8 text written so far.
    public private(set) var bytes: [UInt8] = []
    /// Whether the container being written has a member or element yet (a comma goes before the next).
    private var started: [Bool] = []

    /// An empty writer.
    public init() { bytes.reserveCapacity(256) }

    /// An object: the whole document, or an element of the array being written.
    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        container(UInt8(ascii: "{"), UInt8(ascii: "}"), body)
    }

    /// An array: the whole document, or an element of the array being written.
    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        separate()
        container(UInt8(ascii: "["), UInt8(ascii: "]"), body)
    }

    // Members of an object.

    /// A string member.
    public mutating func field(_ key: String, _ value: String) { self.key(key); write(value) }
    /// A whole-number member.
    public mutating func field(_ key: String, _ value: Int64) { self.key(key); bytes += String(value).utf8 }
    /// A whole-number member.
    public mutating func field(_ key: String, _ value: Int) { field(key, Int64(value)) }
    /// An instant as milliseconds since the Unix epoch.
    public mutating func field(_ key: String, _ value: Instant) { field(key, value.milliseconds) }
    /// A number, shortest form that reads back the same (`12.5`, `100.0`); null when not finite.
    public mutating func field(_ key: String, _ value: Double) {
        self.key(key)
        bytes += (value.isFinite ? value.description : "null").utf8
    }

    /// An object member, its members written by `body`.
    public mutating func object(_ key: String, _ body: (inout JSONWriter) -> Void) {
        self.key(key)
        container(UInt8(ascii: "{"), UInt8(ascii: "}"), body)
    }

    /// An array member, its elements written by `body`.
    public mutating func array(_ key: String, _ body: (inout JSONWriter) -> Void) {
        self.key(key)
        container(UInt8(ascii: "["), UInt8(ascii: "]"), body)
    }

    // Elements of an array.

    /// A string element of the array being written.
    public mutating func element(_ value: String) { separate(); write(value) }

    private mutating func key(_ key: String) {
        separate()
        write(key)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func separate() {
        if started.last == true { bytes.append(UInt8(ascii: ",")) }
        if !started.isEmpty { started[started.count - 1] = true }
    }

    private mutating func container(_ open: UInt8, _ close: UInt8, _ body: (inout JSONWriter) -> Void) {
        bytes.append(open)
        started.append(false)
        body(&self)
        started.removeLast()
        bytes.append(close)
    }

    /// A string with what JSON requires escaped (quote, backslash, control characters).
    private mutating func write(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        // Read as one buffer of bytes (every native string offers one) rather than through the UTF-8 view byte by
        // byte: ScoreService writes every field of every score this way.
        let written = string.utf8.withContiguousStorageIfAvailable { utf8 in
            guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if written != true {
            var escaped = ""
            JSONValue.writeString(string, to: &escaped)
            bytes += escaped.utf8.dropFirst().dropLast()
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension JSONWriter {
    /// A JSON array of strings, as the stores keep lists of ids in a column.
    public static func stringArray(_ strings: [String]) -> String {
        guard !strings.isEmpty else { return "[]" }
        var writer = JSONWriter()
        writer.array { array in for string in strings { array.element(string) } }
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// Reading a parsed message: members by key, with an error naming the field that is missing or of the wrong type.
extension JSONValue {
    /// A field missing from a message, or of the wrong type.
    public struct FieldError: Error, CustomStringConvertible {
        /// Which field, and what it must be.
        public let description: String
        package init(description: String) { self.description = description }
    }

    /// The value of member `key` of an object; nil for a missing member or anything but an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// Member `key`, which must be a string.
    public func string(_ key: String) throws(FieldError) -> String {
        guard case .string(let value)? = self[key] else { throw FieldError(description: "'\(key)' must be a string") }
        return value
    }

    /// Member `key`, which must be a whole number.
    public func integer(_ key: String) throws(FieldError) -> Int64 {
        guard case .number(let literal)? = self[key], let value = Int64(literal) else {
            throw FieldError(description: "'\(key)' must be a whole number")
        }
        return value
    }

    /// Member `key`, which must be a number.
    public func double(_ key: String) throws(FieldError) -> Double {
        guard case .number(let literal)? = self[key], let value = Double(literal) else {
            throw FieldError(description: "'\(key)' must be a number")
        }
        return value
    }

    /// The strings of a JSON array of strings (`JSONWriter.stringArray`).
    public static func strings(in text: String) throws -> [String] {
        guard let strings = try JSONValue.parse(Array(text.utf8)).strings else {
            throw FieldError(description: "expected an array of strings")
        }
        return strings
    }

    /// The elements of an array of strings; nil for anything else.
    public var strings: [String]? {
        guard case .array(let elements) = self else { return nil }
        var strings: [String] = []
        for element in elements {
            guard case .string(let string) = element else { return nil }
            strings.append(string)
        }
        return strings
    }

    /// Member `key`, which must be an array of strings.
    public func strings(_ key: String) throws(FieldError) -> [String] {
        guard let strings = self[key]?.strings else { throw FieldError(description: "'\(key)' must be an array of strings") }
        return strings
    }
}
