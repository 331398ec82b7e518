import Hummingbird

/// The request context of every HarmRank service: Hummingbird's core plus who is calling.
public struct HarmRankRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is calling, as `BearerAuthentication` found from the request's token; anonymous without a valid one.
    /// Routes registered behind `RoleAuthorization` never see an anonymous caller.
    public var principal: Principal

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = .anonymous
    }
}

/// Identifies the caller from a bearer token, for every request. It refuses nothing itself: what a route needs is
/// said where the route is registered, in a group behind `RoleAuthorization`, and `/health/*` and the dashboard's
/// page (which holds no data and signs in with a token itself) are registered outside any such group.
public struct BearerAuthentication: RouterMiddleware {
    public typealias Context = HarmRankRequestContext
    let tokens: TokenRegistry

    public init(tokens: TokenRegistry) { self.tokens = tokens }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
            let principal = tokens.principal(for: header.dropFirst("Bearer ".count))
        else { return try await next(request, context) }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}

/// Lets through only callers with a valid token that holds `role` (admin holds every role), or any valid token when
/// `role` is nil: 401 for an anonymous caller, 403 for one without the role.
public struct RoleAuthorization: RouterMiddleware {
    public typealias Context = HarmRankRequestContext
    let role: Role?

    public init(_ role: Role?) { self.role = role }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard !context.principal.isAnonymous else { throw APIError.unauthorized }
        if let role, !context.principal.has(role) { throw APIError.forbidden(role) }
        return try await next(request, context)
    }
}

extension RouterMethods where Context == HarmRankRequestContext {
    /// A group of routes for callers holding `role`.
    public func requiring(_ role: Role) -> RouterGroup<Context> { group().add(middleware: RoleAuthorization(role)) }

    /// A group of routes for any caller with a valid token, whatever its roles.
    public func authenticated() -> RouterGroup<Context> { group().add(middleware: RoleAuthorization(nil)) }
}
