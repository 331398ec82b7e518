import ArgumentParser
import Foundation
import Shared

/// `harmrank audit verify FILE`: whether an audit log is as written.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The audit log of reads of personal data and alert actions.",
        subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Checks that no entry of an audit log was edited, deleted or moved, and says where if one was.",
            discussion: """
                Each entry holds the SHA-256 of the one before it, so a change anywhere breaks the chain at the next \
                entry. A log cut short at its end keeps a whole chain: compare its last entry with the copy on the \
                audit topic. Exits 1 when the chain is broken. Example: harmrank audit verify .harmrank/audit.log
                """)

        @Argument(help: "The audit log (audit.log in a service's data dir).")
        var file: String

        func run() throws {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ValidationError("\(file) cannot be read as UTF-8 text: \(error.localizedDescription)")
            }
            let (entries, broken) = AuditChain.verify(text)
            if let broken {
                print("\(file): broken at \(broken) (\(entries) entries read)")
                throw ExitCode(1)
            }
            print("\(file): \(entries) entries, each following the one before it")
        }
    }
}
