import Hummingbird

/// The request context of every HarmRank service: Hummingbird's core plus the authenticated principal.
public struct HarmRankRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// The principal, if it holds `role`; otherwise the 401 or 403 to answer.
    @discardableResult
    public func require(_ role: Role) throws(APIError) -> Principal {
        guard let principal else { throw APIError.unauthorized }
        guard principal.has(role) else { throw APIError.forbidden(role) }
        return principal
    }
}

/// Lets `/health/*` and the dashboard's page (`/`, which holds no data and signs in with a token itself)
/// through, and requires a valid bearer token for everything else.
public struct BearerAuthentication: RouterMiddleware {
    public typealias Context = HarmRankRequestContext
    let tokens: TokenRegistry

    public init(tokens: TokenRegistry) { self.tokens = tokens }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.uri.path.hasPrefix("/health/") || request.uri.path == "/" { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            let principal = tokens.principal(for: header.dropFirst("Bearer ".count))
        else { throw APIError.unauthorized }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}
