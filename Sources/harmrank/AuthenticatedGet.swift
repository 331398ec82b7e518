import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A GET to a service's API with a bearer token, as `harmrank top` and `harmrank bench` read lists and status (so
/// the read is audited like any other): the body and the HTTP status.
func authenticatedGet(_ url: URL, token: String) async throws -> (body: Data, status: Int) {
    var request = URLRequest(url: url)
    request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
    let (body, response) = try await URLSession.shared.data(for: request)
    return (body, (response as? HTTPURLResponse)?.statusCode ?? 0)
}
