import Hummingbird

extension Hummingbird.Parameters {
    /// The time in query parameter `name` (RFC 3339), nil when absent; 400 naming the parameter when it is no time.
    public func instant(_ name: String) throws -> Instant? {
        guard let text = self[Substring(name)] else { return nil }
        guard case .success(let instant) = Instant.parseRFC3339(String(text)) else {
            throw APIError(
                .badRequest, code: "invalid-parameter",
                detail: "\(name) '\(text)' must be an RFC 3339 time, e.g. 2025-06-01T00:00:00Z")
        }
        return instant
    }
}
