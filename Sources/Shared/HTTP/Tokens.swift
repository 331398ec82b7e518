import Crypto
import Foundation

/// What a principal may do (CONTRACT.md section 8). `admin` may do everything.
public enum Role: String, Sendable, CaseIterable, Codable {
    case ingest, analyst, supervisor, admin
}

/// Who is calling: the person or system a token was issued to.
public struct Principal: Sendable, Equatable {
    public var name: String
    public var roles: Set<Role>

    /// `name`, holding `roles`.
    public init(name: String, roles: Set<Role>) {
        self.name = name
        self.roles = roles
    }

    public func has(_ role: Role) -> Bool { roles.contains(role) || roles.contains(.admin) }

    /// A caller without a valid token. No token line can name it: a line's principal is never empty.
    public static let anonymous = Principal(name: "", roles: [])

    public var isAnonymous: Bool { name.isEmpty }
}

/// The bearer tokens a service accepts. One per line: `<token> <principal> <role>[,<role>...]`; `#` starts a
/// comment. Read from a file (`--tokens-file`, `HARMRANK_TOKENS_FILE`) or from `HARMRANK_TOKENS`, where `;` may
/// also separate entries.
///
/// A line may give the token's SHA-256 instead of the token (`sha256:<64 hex digits>`, as `harmrank token new`
/// writes it), so that the file does not hold the token itself. Either way only digests are kept in memory, and a
/// presented token is hashed and compared with each in constant time.
public struct TokenRegistry: Sendable {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let source: String
        public let line: Int
        public let problem: String
        public var description: String { "\(source), line \(line): \(problem)" }
    }

    private let entries: [(digest: [UInt8], principal: Principal)]

    /// The prefix of a line's token field that holds the token's SHA-256 in hex.
    public static let digestPrefix = "sha256:"

    public var isEmpty: Bool { entries.isEmpty }

    public init(parsing text: String, source: String) throws(ParseError) {
        var entries: [(digest: [UInt8], principal: Principal)] = []
        var seen: Set<String> = []
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == ";" }
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: \.isWhitespace)
            if fields.isEmpty { continue }
            func fail(_ problem: String) -> ParseError { ParseError(source: source, line: index + 1, problem: problem) }
            guard fields.count == 3 else {
                throw fail("expected '<token> <principal> <role>[,<role>...]', found \(fields.count) fields")
            }
            let token = String(fields[0])
            let digest: [UInt8]
            if token.hasPrefix(Self.digestPrefix) {
                guard let bytes = Self.bytes(fromHex: token.dropFirst(Self.digestPrefix.count)), bytes.count == 32 else {
                    throw fail("'\(Self.digestPrefix)' must be followed by the token's SHA-256 as 64 hex digits (harmrank token new)")
                }
                digest = bytes
            } else {
                guard token.count >= 16 else { throw fail("the token is shorter than 16 characters; use a long random one") }
                digest = Self.digest(of: token)
            }
            guard seen.insert(Self.hex(digest)).inserted else { throw fail("this token is listed twice") }
            var roles: Set<Role> = []
            for name in fields[2].split(separator: ",") {
                guard let role = Role(rawValue: String(name)) else {
                    throw fail("unknown role '\(name)'; roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                roles.insert(role)
            }
            entries.append((digest, Principal(name: String(fields[1]), roles: roles)))
        }
        self.entries = entries
    }

    public init(contentsOf path: String) throws {
        do {
            try self.init(parsing: try String(contentsOfFile: path, encoding: .utf8), source: path)
        } catch let error as ParseError {
            throw error
        } catch {
            throw ParseError(source: path, line: 0, problem: "cannot be read: \(error.localizedDescription)")
        }
    }

    /// The principal of `token`: its digest compared with every entry in constant time, so timing reveals nothing
    /// of the tokens held.
    public func principal(for token: some StringProtocol) -> Principal? {
        let presented = Self.digest(of: String(token))
        var found: Principal?
        for entry in entries where constantTimeEqual(entry.digest, presented) { found = entry.principal }
        return found
    }

    /// The token's line for a tokens file, holding its SHA-256 rather than the token.
    public static func line(hashing token: String, principal: String, roles: [Role]) -> String {
        "\(digestPrefix)\(hex(digest(of: token))) \(principal) \(roles.map(\.rawValue).joined(separator: ","))"
    }

    private static func digest(of token: String) -> [UInt8] { Array(SHA256.hash(data: Array(token.utf8))) }

    private static let hexDigits = Set("0123456789abcdefABCDEF".utf8)

    private static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    private static func bytes(fromHex text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count.isMultiple(of: 2), digits.allSatisfy({ Self.hexDigits.contains($0) }) else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// A fresh random token for development setups.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(UInt8.random(in: 0...255, using: &generator), radix: 16) }
            .map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }
}
