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
        router.requiring(.analyst).get("/v1/lists") { _, context in context.principal.name }
        router.authenticated().get("/v1/status") { _, context in context.principal.name }
        return Application(router: router)
    }

    @Test func healthNeedsNoTokenAndAWrongOneDoesNotStopIt() async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/health/live", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/health/live", method: .get, headers: [.authorization: "Bearer nope"]) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func routesForAnyCallerTakeEveryValidTokenAndNoOther() async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/v1/status", method: .get, headers: [.authorization: "Bearer ingest-token-00000002"]) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body) == "cris")
            }
            try await client.execute(uri: "/v1/status", method: .get) { #expect($0.status == .unauthorized) }
            // Access is checked per route, so a path that is no endpoint is simply not found.
            try await client.execute(uri: "/v1/nothing-here", method: .get) { #expect($0.status == .notFound) }
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
