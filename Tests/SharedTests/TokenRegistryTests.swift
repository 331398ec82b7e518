import Foundation
import Shared
import Testing

@Suite struct TokenRegistryTests {
    @Test func readsPrincipalsRolesAndComments() throws {
        let registry = try TokenRegistry(
            parsing: """
                # tasking unit
                aaaaaaaaaaaaaaaa1 sgt.jones supervisor,analyst   # trailing comment

                bbbbbbbbbbbbbbbb2 cris-feed ingest
                """, source: "tokens.txt")
        let jones = try #require(registry.principal(for: "aaaaaaaaaaaaaaaa1"))
        #expect(jones.name == "sgt.jones")
        #expect(jones.has(.supervisor) && jones.has(.analyst) && !jones.has(.admin) && !jones.has(.ingest))
        #expect(registry.principal(for: "bbbbbbbbbbbbbbbb2")?.roles == [.ingest])
        #expect(registry.principal(for: "aaaaaaaaaaaaaaaa") == nil, "a prefix is not a token")
    }

    @Test func adminMayDoEverything() throws {
        let registry = try TokenRegistry(parsing: "cccccccccccccccc3 dev admin", source: "HARMRANK_TOKENS")
        let admin = try #require(registry.principal(for: "cccccccccccccccc3"))
        #expect(Role.allCases.allSatisfy(admin.has))
    }

    @Test func environmentEntriesMaySeparateWithSemicolons() throws {
        let registry = try TokenRegistry(
            parsing: "dddddddddddddddd4 a analyst; eeeeeeeeeeeeeeee5 b ingest", source: "HARMRANK_TOKENS")
        #expect(registry.principal(for: "eeeeeeeeeeeeeeee5")?.name == "b")
    }

    @Test(arguments: [
        ("x", "expected '<token> <principal> <role>[,<role>...]', found 1 fields"),
        ("short p analyst", "the token is shorter than 16 characters; use a long random one"),
        ("ffffffffffffffff6 p superuser", "unknown role 'superuser'; roles are ingest, analyst, supervisor, admin"),
        ("ffffffffffffffff6 p analyst\nffffffffffffffff6 q ingest", "this token is listed twice"),
        ("sha256:abc p analyst", "'sha256:' must be followed by the token's SHA-256 as 64 hex digits (harmrank token new)"),
        ("sha256:+\(String(repeating: "0", count: 63)) p analyst",
         "'sha256:' must be followed by the token's SHA-256 as 64 hex digits (harmrank token new)"),
    ])
    func badLinesNameTheFileLineAndProblem(text: String, problem: String) {
        #expect(throws: TokenRegistry.ParseError.self) { try TokenRegistry(parsing: text, source: "t.txt") }
        do {
            _ = try TokenRegistry(parsing: text, source: "t.txt")
        } catch {
            #expect(error.source == "t.txt")
            #expect(error.line == text.split(separator: "\n").count)
            #expect(error.problem == problem)
        }
    }

    /// A line may hold the token's SHA-256 instead of the token: the file then gives the token away to no one who
    /// reads it, and the token works as before.
    @Test func aTokenListedByItsDigestIsAcceptedAndTheDigestItselfIsNot() throws {
        let token = TokenRegistry.randomToken()
        let line = TokenRegistry.line(hashing: token, principal: "sergeant.lee", roles: [.supervisor, .analyst])
        #expect(line.hasPrefix("sha256:") && !line.contains(token))
        #expect(line.hasSuffix(" sergeant.lee supervisor,analyst"))
        let registry = try TokenRegistry(parsing: line + "\ngggggggggggggggg7 plain analyst", source: "t.txt")
        #expect(registry.principal(for: token)?.name == "sergeant.lee")
        #expect(registry.principal(for: token)?.roles == [.supervisor, .analyst])
        let digest = String(line.split(separator: " ")[0])
        #expect(registry.principal(for: digest) == nil, "the digest is not a token")
        #expect(registry.principal(for: digest.dropFirst("sha256:".count)) == nil)
        #expect(registry.principal(for: "gggggggggggggggg7")?.name == "plain", "plain lines still work")
        // The same token listed plainly and by digest is listed twice.
        #expect(throws: TokenRegistry.ParseError.self) { try TokenRegistry(parsing: "\(line)\n\(token) other analyst", source: "t.txt") }
    }

    @Test func randomTokensAreLongAndDistinct() {
        let tokens = (0..<100).map { _ in TokenRegistry.randomToken() }
        #expect(Set(tokens).count == 100)
        #expect(tokens.allSatisfy { $0.count == 64 })
    }

    @Test func aTokenFileIsCreatedWholeAndForItsOwnerOnlyAndNeverOverwritten() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("harmrank-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tokens.txt").path

        #expect(try PrivateFile.create(atPath: path, contents: "aaaaaaaaaaaaaaaa1 dev admin\n"))
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(try PrivateFile.create(atPath: path, contents: "other") == false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "aaaaaaaaaaaaaaaa1 dev admin\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["tokens.txt"],
                "no draft is left behind")
        #expect(throws: (any Error).self) { try PrivateFile.create(atPath: directory.path + "/missing/tokens.txt") }
    }
}
