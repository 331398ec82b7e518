import Hummingbird
import NIOCore

/// The request context of every HarmRank service: Hummingbird's core plus who is calling.
public struct HarmRankRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is calling, as `BearerAuthentication` found from the request's token; anonymous without a valid one.
    /// Routes registered behind `RoleAuthorization` never see an anonymous caller.
    public var principal: Principal
    /// Why the request's token was refused, for the 401's detail; nil when it carried none or a valid one.
    public var refusal: String?
    /// Where the request came from: the peer of the connection (a proxy in front of the service, if there is one).
    public let remoteAddress: SocketAddress?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.principal = .anonymous
        self.remoteAddress = source.channel.remoteAddress
    }

    /// The caller's address as the audit log records it.
    public var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}

/// Identifies the caller from a bearer token, for every request: a JWT (three dot-separated parts) from the
/// identity provider when one is configured, otherwise a token of the tokens file. It refuses nothing itself: what
/// a route needs is said where the route is registered, in a group behind `RoleAuthorization`, and `/health/*` and
/// the dashboard's page (which holds no data and signs in with a token itself) are registered outside any such
/// group.
public struct BearerAuthentication: RouterMiddleware {
    public typealias Context = HarmRankRequestContext
    let tokens: TokenRegistry
    let identityProvider: IdentityProvider?

    public init(tokens: TokenRegistry, identityProvider: IdentityProvider? = nil) {
        self.tokens = tokens
        self.identityProvider = identityProvider
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return try await next(request, context)
        }
        let token = header.dropFirst("Bearer ".count)
        var context = context
        if let identityProvider, token.split(separator: ".", omittingEmptySubsequences: false).count == 3 {
            switch await identityProvider.principal(for: String(token)) {
            case .success(let principal): context.principal = principal
            case .failure(let refusal): context.refusal = refusal.description
            }
        } else if let principal = tokens.principal(for: token) {
            context.principal = principal
        } else {
            context.refusal = identityProvider == nil
                ? "the token is not in this service's tokens file" : "the token is neither in the tokens file nor a JWT from the identity provider"
        }
        return try await next(request, context)
    }
}

/// Lets through only callers with a valid token that holds `role` (admin holds every role), or any valid token that
/// holds a HarmRank role when `role` is nil: 401 for an anonymous caller, 403 for one without the role.
public struct RoleAuthorization: RouterMiddleware {
    public typealias Context = HarmRankRequestContext
    let role: Role?

    public init(_ role: Role?) { self.role = role }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard !context.principal.isAnonymous else {
            throw context.refusal.map { APIError(.unauthorized, code: "unauthorized", detail: $0) } ?? APIError.unauthorized
        }
        if let role, !context.principal.has(role) { throw APIError.forbidden(role) }
        if context.principal.roles.isEmpty {
            throw APIError(.forbidden, code: "forbidden", detail: "the token holds none of HarmRank's roles (\(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return try await next(request, context)
    }
}

extension RouterMethods where Context == HarmRankRequestContext {
    /// A group of routes for callers holding `role`.
    public func requiring(_ role: Role) -> RouterGroup<Context> { group().add(middleware: RoleAuthorization(role)) }

    /// A group of routes for any caller with a valid token, whatever its roles.
    public func authenticated() -> RouterGroup<Context> { group().add(middleware: RoleAuthorization(nil)) }
}
