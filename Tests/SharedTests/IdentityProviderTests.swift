import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Shared
import TestSupport
import Testing

@Suite struct IdentityProviderTests {
    let provider = TestIdentityProvider()

    func keysFile() throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID()).json")
        try provider.jwks.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    func verifier(rolesClaim: String = "roles") async throws -> IdentityProvider {
        try await IdentityProvider(
            settings: provider.settings(jwksFile: try keysFile().path, rolesClaim: rolesClaim), logger: Logger(label: "test"))
    }

    func refusal(_ result: Result<Principal, IdentityProvider.Refusal>) -> String? {
        if case .failure(let refusal) = result { return refusal.description }
        return nil
    }

    @Test(arguments: TestIdentityProvider.Algorithm.allCases)
    func aTokenFromTheProviderNamesItsCallerWithTheRolesHarmRankKnows(algorithm: TestIdentityProvider.Algorithm) async throws {
        let verifier = try await verifier()
        let token = try await provider.token(
            principal: "ds.jones", roles: ["analyst", "offline_access", "supervisor"], algorithm: algorithm)
        #expect(try await verifier.principal(for: token).get() == Principal(name: "ds.jones", roles: [.analyst, .supervisor]))
        // Without `sub`, `preferred_username` names the caller.
        let named = try await provider.token(principal: "pc.khan", roles: ["analyst"], principalClaim: "preferred_username", algorithm: algorithm)
        #expect(try await verifier.principal(for: named).get().name == "pc.khan")
    }

    @Test func rolesAreReadFromANestedClaimOrASpaceSeparatedString() async throws {
        let nested = try await verifier(rolesClaim: "realm_access.roles")
        let token = try await provider.token(principal: "pc.khan", roles: ["ingest"], rolesClaim: "realm_access.roles")
        #expect(try await nested.principal(for: token).get().roles == [.ingest])
        // The same token read with the default claim holds no role: it authenticates, and every role route says 403.
        #expect(try await verifier().principal(for: token).get().roles == [])
    }

    @Test func expiredFutureForeignOrUnnamedTokensAreRefusedSayingWhich() async throws {
        let verifier = try await verifier()
        let expired = try await provider.token(principal: "a", roles: ["analyst"], expiresIn: -120)
        #expect(refusal(await verifier.principal(for: expired))?.contains("expired") == true)
        let early = try await provider.token(principal: "a", roles: ["analyst"], notBefore: Date().addingTimeInterval(600))
        #expect(refusal(await verifier.principal(for: early))?.contains("not valid before") == true)
        // Within the minute's leeway for clocks that disagree, a token just expired still passes.
        let justExpired = try await provider.token(principal: "a", roles: ["analyst"], expiresIn: -10)
        #expect(refusal(await verifier.principal(for: justExpired)) == nil)
        let otherIssuer = try await provider.token(principal: "a", roles: ["analyst"], issuer: "https://elsewhere")
        #expect(refusal(await verifier.principal(for: otherIssuer))?.contains("--issuer") == true)
        let otherAudience = try await provider.token(principal: "a", roles: ["analyst"], audience: ["another-app"])
        #expect(refusal(await verifier.principal(for: otherAudience))?.contains("--audience") == true)
        let unnamed = try await provider.token(principal: nil, roles: ["analyst"])
        #expect(refusal(await verifier.principal(for: unnamed))?.contains("preferred_username") == true)
    }

    @Test func aTokenSignedWithAnotherKeyOrWithNoneIsRefused() async throws {
        let verifier = try await verifier()
        let forged = try await TestIdentityProvider().token(principal: "a", roles: ["admin"])
        #expect(refusal(await verifier.principal(for: forged))?.contains("signature") == true)
        // An unsigned token ("alg": "none") with the right claims, and a genuine token with its payload swapped.
        let genuine = try await provider.token(principal: "a", roles: ["analyst"]).split(separator: ".")
        let forgedPayload = try await TestIdentityProvider().token(principal: "a", roles: ["admin"]).split(separator: ".")[1]
        let none = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
        // An HMAC token keyed with the public key's text: the old confusion between asymmetric and shared keys.
        let hmac = Data(#"{"alg":"HS256","typ":"JWT","kid":"test-es256"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "")
        for token in ["\(none).\(genuine[1]).", "\(genuine[0]).\(forgedPayload).\(genuine[2])", "\(hmac).\(genuine[1]).\(genuine[2])"] {
            #expect(refusal(await verifier.principal(for: token)) != nil, "\(token)")
        }
    }

    @Test func keysThatCannotBeReadStopStartUpNamingTheSource() async throws {
        let missing = IdentityProviderSettings(keys: .file("/nonexistent/jwks.json"), issuer: "i", audience: "a")
        await #expect(throws: ConfigurationError.self) { try await IdentityProvider(settings: missing, logger: Logger(label: "t")) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID()).json")
        try #"{"keys": []}"#.write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try await IdentityProvider(
                settings: IdentityProviderSettings(keys: .file(file.path), issuer: "i", audience: "a"), logger: Logger(label: "t"))
            Issue.record("an empty key set was accepted")
        } catch {
            #expect("\(error)".contains(file.path) && "\(error)".contains("empty"), "\(error)")
        }
    }

    @Test func keysAreFetchedFromTheProvidersAddress() async throws {
        let router = Router()
        router.get("/realms/force/protocol/openid-connect/certs") { _, _ in provider.jwks }
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            let settings = IdentityProviderSettings(
                keys: .url(URL(string: "http://127.0.0.1:\(client.port!)/realms/force/protocol/openid-connect/certs")!),
                issuer: provider.issuer, audience: provider.audience)
            let verifier = try await IdentityProvider(settings: settings, logger: Logger(label: "t"))
            let token = try await provider.token(principal: "sgt.lee", roles: ["supervisor"])
            #expect(try await verifier.principal(for: token).get().name == "sgt.lee")
        }
    }

    @Test func theMiddlewareTakesJWTsBesideTheTokensFileAndExplainsA401() async throws {
        let router = Router(context: HarmRankRequestContext.self)
        router.add(middleware: BearerAuthentication(
            tokens: try TokenRegistry(parsing: "static-token-00000001 cris ingest", source: "test"),
            identityProvider: try await verifier()))
        router.requiring(.analyst).get("/v1/lists") { _, context in context.principal.name }
        router.authenticated().get("/v1/status") { _, context in context.principal.name }
        let analyst = try await provider.token(principal: "ds.jones", roles: ["analyst"])
        let roleless = try await provider.token(principal: "clerk", roles: ["offline_access"])
        let expired = try await provider.token(principal: "ds.jones", roles: ["analyst"], expiresIn: -600)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/v1/lists", method: .get, headers: [.authorization: "Bearer \(analyst)"]) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body) == "ds.jones")
            }
            try await client.execute(uri: "/v1/status", method: .get, headers: [.authorization: "Bearer static-token-00000001"]) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/v1/status", method: .get, headers: [.authorization: "Bearer \(roleless)"]) {
                #expect($0.status == .forbidden)
                #expect(String(buffer: $0.body).contains("none of HarmRank's roles"))
            }
            try await client.execute(uri: "/v1/lists", method: .get, headers: [.authorization: "Bearer \(expired)"]) {
                #expect($0.status == .unauthorized)
                #expect(String(buffer: $0.body).contains("expired"))
            }
        }
    }
}
