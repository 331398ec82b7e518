import Hummingbird
import HummingbirdTesting
import Shared
import Testing

@Suite struct BearerAuthenticationTests {
    func application() throws -> some ApplicationProtocol {
        let router = Router(context: HarmRankRequestContext.self)
        router.add(middleware: BearerAuthentication(
            tokens: try TokenRegistry(parsing: """
                analyst-token-0000001 pc.smith analyst
                ingest-token-00000002 cris ingest
                """, source: "test")))
        router.get("/health/live") { _, _ in "live" }
        router.get("/v1/lists") { _, context in
            try context.require(.analyst).name
        }
        return Application(router: router)
    }

    @Test func healthNeedsNoToken() async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/health/live", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func aMissingOrUnknownTokenIsUnauthorizedWithAJSONError() async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/v1/lists", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains(#""error":"unauthorized""#))
            }
            try await client.execute(uri: "/v1/lists", method: .get, headers: [.authorization: "Bearer nope"]) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    @Test func aTokenWithoutTheRoleIsForbiddenAndOneWithItPasses() async throws {
        try await application().test(.router) { client in
            try await client.execute(
                uri: "/v1/lists", method: .get, headers: [.authorization: "Bearer ingest-token-00000002"]
            ) { response in
                #expect(response.status == .forbidden)
                #expect(String(buffer: response.body).contains("'analyst' role"))
            }
            try await client.execute(
                uri: "/v1/lists", method: .get, headers: [.authorization: "Bearer analyst-token-0000001"]
            ) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "pc.smith")
            }
        }
    }
}
