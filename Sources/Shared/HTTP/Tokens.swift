import Foundation

/// What a principal may do (CONTRACT.md section 8). `admin` may do everything.
public enum Role: String, Sendable, CaseIterable, Codable {
    case ingest, analyst, supervisor, admin
}

/// Who is calling: the person or system a token was issued to.
public struct Principal: Sendable, Equatable {
    public var name: String
    public var roles: Set<Role>

    public func has(_ role: Role) -> Bool { roles.contains(role) || roles.contains(.admin) }

    /// A caller without a valid token. No token line can name it: a line's principal is never empty.
    public static let anonymous = Principal(name: "", roles: [])

    public var isAnonymous: Bool { name.isEmpty }
}

/// The bearer tokens a service accepts. One per line: `<token> <principal> <role>[,<role>...]`; `#` starts a
/// comment. Read from a file (`--tokens-file`, `HARMRANK_TOKENS_FILE`) or from `HARMRANK_TOKENS`, where `;` may
/// also separate entries.
public struct TokenRegistry: Sendable {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let source: String
        public let line: Int
        public let problem: String
        public var description: String { "\(source), line \(line): \(problem)" }
    }

    private let entries: [(token: [UInt8], principal: Principal)]

    public var isEmpty: Bool { entries.isEmpty }

    public init(parsing text: String, source: String) throws(ParseError) {
        var entries: [(token: [UInt8], principal: Principal)] = []
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
            guard token.count >= 16 else { throw fail("the token is shorter than 16 characters; use a long random one") }
            guard seen.insert(token).inserted else { throw fail("this token is listed twice") }
            var roles: Set<Role> = []
            for name in fields[2].split(separator: ",") {
                guard let role = Role(rawValue: String(name)) else {
                    throw fail("unknown role '\(name)'; roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                roles.insert(role)
            }
            entries.append((Array(token.utf8), Principal(name: String(fields[1]), roles: roles)))
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

    /// The principal of `token`, comparing every entry in constant time so timing does not reveal a prefix.
    public func principal(for token: some StringProtocol) -> Principal? {
        let presented = Array(token.utf8)
        var found: Principal?
        for entry in entries where constantTimeEqual(entry.token, presented) { found = entry.principal }
        return found
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
