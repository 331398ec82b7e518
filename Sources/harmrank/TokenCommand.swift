import ArgumentParser
import Foundation
import Shared

/// `harmrank token new`: a bearer token for a person or a system, printed once, and the line a tokens file keeps of
/// it, which holds its SHA-256 and not the token.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Bearer tokens for the services' tokens file.", subcommands: [NewToken.self])

    struct NewToken: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Prints a new random token once, and its line for the tokens file (sha256:<hex> <principal> <roles>).",
            discussion: """
                The token is shown once: give it to its holder and keep it nowhere else. The line holds only the \
                token's SHA-256, so the tokens file gives nothing away if it is copied. With --append the line is \
                added to the file (created readable by its owner only). Example: \
                harmrank token new sergeant.lee supervisor,analyst --append tokens.txt
                """)

        @Argument(help: "Who holds the token, as the audit log will name them (no spaces).")
        var principal: String

        @Argument(help: "Comma-separated roles: ingest, analyst, supervisor, admin.")
        var roles: String

        @Option(help: "Add the line to this tokens file instead of printing it.")
        var append: String?

        func validate() throws {
            guard !principal.isEmpty, !principal.contains(where: { $0.isWhitespace || $0 == "#" || $0 == ";" }) else {
                throw ValidationError("PRINCIPAL '\(principal)' must be a name without spaces, '#' or ';', e.g. sergeant.lee")
            }
            for role in roles.split(separator: ",", omittingEmptySubsequences: false) where Role(rawValue: String(role)) == nil {
                throw ValidationError(
                    "ROLES: unknown role '\(role)'; roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            let token = TokenRegistry.randomToken()
            let line = TokenRegistry.line(
                hashing: token, principal: principal, roles: roles.split(separator: ",").compactMap { Role(rawValue: String($0)) })
            if let append {
                try PrivateFile.create(atPath: append)
                let file = try FileHandle(forWritingTo: URL(fileURLWithPath: append))
                defer { try? file.close() }
                try file.seekToEnd()
                try file.write(contentsOf: Data((line + "\n").utf8))
                print("token for \(principal) (shown once): \(token)")
                print("added to \(append): \(line)")
            } else {
                print("token for \(principal) (shown once): \(token)")
                print("tokens file line: \(line)")
            }
        }
    }
}
