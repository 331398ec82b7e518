import Foundation
import Hummingbird

/// The OpenAPI 3.1 document of HarmRank's HTTP APIs (`Resources/openapi.json`, CONTRACT.md section 8), which each
/// service serves at `/openapi.json` cut to the routes its router holds, so the document a client reads is the one
/// that service answers. Each operation names its role in `x-harmrank-role`, as the README's table does.
public enum APIDocument {
    /// The whole document, as shipped.
    public static func whole() throws -> [String: Any] {
        let text = try readResource("openapi.json", in: .module)
        guard let document = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw DataFileError(file: "openapi.json (shipped)", line: nil, problem: "is not a JSON object")
        }
        return document
    }

    /// The document cut to `routes` (method and path as the router writes them, `:name` for a parameter); fails
    /// naming any route the document does not describe, so a route cannot be added without its description.
    public static func json(for routes: [(method: String, path: String)]) throws -> [UInt8] {
        var document = try whole()
        let described = document["paths"] as? [String: [String: Any]] ?? [:]
        var paths: [String: [String: Any]] = [:]
        for route in routes {
            let path = openAPIPath(route.path)
            let method = route.method.lowercased()
            guard let operation = described[path]?[method] else {
                throw ConfigurationError("\(route.method) \(path) is served but not described in openapi.json: describe it there")
            }
            paths[path, default: [:]][method] = operation
        }
        document["paths"] = paths
        return Array(try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// A router path in OpenAPI's form: `/v1/lists/:name` as `/v1/lists/{name}`.
    public static func openAPIPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }
}
