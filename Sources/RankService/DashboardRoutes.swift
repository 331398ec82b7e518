import Foundation
import Hummingbird
import Shared

/// The dashboard's page at `/`, the live `rankings` stream it listens to, and the ward positions and boundaries its
/// map draws.
struct DashboardRoutes: Sendable {
    let page: String
    let live: LiveRankings
    let audit: AuditLog
    let wards: WardRegistry
    /// Outlines of the registry's wards where known (the shipped London wards'); the map draws the rest as points.
    let boundaries: WardBoundaries
    /// Where the page finds NotifyService's alerts API (`HARMRANK_ALERTS_URL`), if anywhere; NotifyService must
    /// list the dashboard's origin in `HARMRANK_DASHBOARD_ORIGINS`.
    let alertsURL: String?
    /// The hotspot grid's cell size in metres, which the map draws the cells with.
    let hotspotCellSize: Int

    /// What the page needs to know of the services' settings.
    struct Settings: Codable {
        var alertsURL: String?
        var hotspotCellSize: Int
    }

    struct MapWard: Codable {
        var code: String
        var name: String
        var borough: String
        /// British National Grid metres of the ward's label point.
        var easting: Double
        var northing: Double
    }

    struct MapBoundaries: Encodable {
        struct Ward: Encodable {
            var code: String
            var polygons: WardBoundaries.Outline
        }
        var attribution: String
        var wards: [Ward]
    }

    func register(on router: Router<HarmRankRequestContext>) {
        // The page may talk to this service and the alerts service only, and load nothing from anywhere.
        let alertsOrigin = alertsURL.flatMap { URL(string: $0) }.map { url in
            "\(url.scheme ?? "http")://\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")"
        }
        let policy = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data: blob:; "
            + "connect-src 'self'\(alertsOrigin.map { " " + $0 } ?? ""); base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [
                    .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentSecurityPolicy: policy,
                    .xContentTypeOptions: "nosniff",
                ],
                body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        // Snapshots name suspects, so opening the stream is a read of personal data.
        let analysts = router.requiring(.analyst)
        analysts.get("/v1/events/rankings") { _, context in
            audit.record(context, read: "live rankings stream")
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                body: .init(asyncSequence: live.subscribe()))
        }
        analysts.get("/v1/dashboard") { _, _ in
            return try jsonResponse(Settings(alertsURL: alertsURL, hotspotCellSize: hotspotCellSize))
        }
        analysts.get("/v1/map/wards") { _, _ in
            return try jsonResponse([
                "wards": wards.wards.map { ward in
                    let point = BritishNationalGrid.project(latitude: ward.latitude, longitude: ward.longitude)
                    return MapWard(
                        code: ward.code, name: ward.name, borough: ward.borough,
                        easting: (point.easting * 10).rounded() / 10, northing: (point.northing * 10).rounded() / 10)
                }
            ])
        }
        // Public geography, not personal data: not audited. Encoded once, the same for every caller.
        let outlines = MapBoundaries(
            attribution: WardBoundaries.attribution,
            wards: wards.wards.compactMap { ward in
                boundaries.outlines[ward.code].map { MapBoundaries.Ward(code: ward.code, polygons: $0) }
            })
        let body = ByteBuffer(bytes: Array((try? JSONEncoder.api.encode(outlines)) ?? Data()))
        analysts.get("/v1/map/boundaries") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "private, max-age=3600"],
                body: .init(byteBuffer: body))
        }
    }
}
