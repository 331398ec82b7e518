import Hummingbird

/// Lets the dashboard's page, served by RankService, call this service from the browser (CORS) when its origin is
/// one of `HARMRANK_DASHBOARD_ORIGINS`. Placed before authentication: a preflight carries no token. Requests
/// from any other origin get no CORS headers, so the browser keeps their answers from the page.
public struct DashboardOrigins: RouterMiddleware {
    public typealias Context = HarmRankRequestContext
    let origins: Set<String>

    public init(_ origins: [String]) { self.origins = Set(origins) }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else { return try await next(request, context) }
        if request.method == .options {
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: origin, .accessControlAllowMethods: "GET, POST",
                    .accessControlAllowHeaders: "Authorization, Content-Type", .accessControlMaxAge: "600", .vary: "Origin",
                ])
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            // The page must be able to read why it was refused (401, 403, 404).
            response = try error.response(from: request, context: context)
        }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
        return response
    }
}
