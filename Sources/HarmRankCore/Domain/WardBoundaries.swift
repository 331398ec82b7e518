/// The wards' boundary polygons on the British National Grid, for the dashboard's map and for placing a point in its
/// ward: by default the 679 London wards' shipped with HarmRank (`london-ward-boundaries.geojson`, property `code`, WGS84, simplified).
public struct WardBoundaries: Sendable {
    /// Whose data the shipped boundaries are, to be shown wherever they are.
    public static let attribution =
        "Ward boundaries: Office for National Statistics, licensed under the Open Government Licence v3.0; "
        + "contains OS data © Crown copyright and database right 2024."

    /// A ward's outline: polygons, each its rings (the outer ring first), each ring its points as
    /// [easting, northing] in metres, rounded to the decimetre.
    public typealias Outline = [[[[Double]]]]

    /// By ward code.
    public let outlines: [String: Outline]

    /// Each ward's bounding box, in code order, to test a point against few outlines.
    private let boxes: [(code: String, minimum: (Double, Double), maximum: (Double, Double))]

    /// Reads a GeoJSON FeatureCollection of Polygons and MultiPolygons with a `code` property; `file` names it in
    /// errors.
    public init(geoJSON bytes: [UInt8], file: String) throws(DataFileError) {
        func fail(_ problem: String) -> DataFileError { DataFileError(file: file, line: nil, problem: problem) }
        let document: JSONValue
        do { document = try JSONValue.parse(bytes) } catch { throw fail("is not JSON: \(error)") }
        guard case .array(let features)? = document["features"] else { throw fail("has no 'features' array") }
        var outlines: [String: Outline] = [:]
        for (index, feature) in features.enumerated() {
            guard case .string(let code)? = feature["properties"]?["code"] else {
                throw fail("feature \(index) has no 'code' property")
            }
            let geometry = feature["geometry"]
            let polygons: [JSONValue]
            switch (geometry?["type"], geometry?["coordinates"]) {
            case (.string("Polygon"), let coordinates?): polygons = [coordinates]
            case (.string("MultiPolygon"), .array(let many)?): polygons = many
            default: throw fail("feature \(index) (\(code)) is not a Polygon or MultiPolygon")
            }
            outlines[code] = try polygons.map { polygon throws(DataFileError) in
                guard case .array(let rings) = polygon else { throw fail("feature \(index) (\(code)) has a malformed polygon") }
                return try rings.map { ring throws(DataFileError) in
                    guard case .array(let points) = ring else { throw fail("feature \(index) (\(code)) has a malformed ring") }
                    return try points.map { point throws(DataFileError) in
                        guard case .array(let pair) = point, pair.count >= 2, case .number(let lon) = pair[0],
                            case .number(let lat) = pair[1], let longitude = Double(lon), let latitude = Double(lat)
                        else { throw fail("feature \(index) (\(code)) has a point that is not [longitude, latitude]") }
                        let grid = BritishNationalGrid.project(latitude: latitude, longitude: longitude)
                        return [(grid.easting * 10).rounded() / 10, (grid.northing * 10).rounded() / 10]
                    }
                }
            }
        }
        self.outlines = outlines
        boxes = Array(outlines.keys).sortedBytewise().map { code in
            let points = outlines[code]!.flatMap { $0.flatMap { $0 } }
            let eastings = points.map { $0[0] }, northings = points.map { $0[1] }
            return (code, (eastings.min() ?? 0, northings.min() ?? 0), (eastings.max() ?? 0, northings.max() ?? 0))
        }
    }

    /// The ward whose boundary holds the point (the first by code where simplified outlines overlap); where they
    /// leave a sliver between wards, the nearest ward within `tolerance` metres; nil outside them all.
    public func ward(containingLatitude latitude: Double, longitude: Double, tolerance: Double = 100) -> String? {
        let grid = BritishNationalGrid.project(latitude: latitude, longitude: longitude)
        let (x, y) = (grid.easting, grid.northing)
        var nearest: (code: String, distance: Double)?
        for box in boxes
        where x >= box.minimum.0 - tolerance && x <= box.maximum.0 + tolerance && y >= box.minimum.1 - tolerance
            && y <= box.maximum.1 + tolerance
        {
            let outline = outlines[box.code]!
            if outline.contains(where: { Self.holds($0, x, y) }) { return box.code }
            let distance = outline.flatMap { $0 }.map { Self.distance(from: (x, y), to: $0) }.min() ?? .infinity
            if distance <= tolerance, distance < nearest?.distance ?? .infinity { nearest = (box.code, distance) }
        }
        return nearest?.code
    }

    /// Even-odd rule over a polygon's rings, so a hole's points are outside.
    private static func holds(_ polygon: [[[Double]]], _ x: Double, _ y: Double) -> Bool {
        var inside = false
        for ring in polygon where ring.count > 2 {
            var previous = ring[ring.count - 1]
            for point in ring {
                if (point[1] > y) != (previous[1] > y),
                    x < (previous[0] - point[0]) * (y - point[1]) / (previous[1] - point[1]) + point[0]
                {
                    inside.toggle()
                }
                previous = point
            }
        }
        return inside
    }

    /// The distance in metres from a point to a ring's edges.
    private static func distance(from point: (Double, Double), to ring: [[Double]]) -> Double {
        guard var previous = ring.last else { return .infinity }
        var best = Double.infinity
        for current in ring {
            let (dx, dy) = (current[0] - previous[0], current[1] - previous[1])
            let length = dx * dx + dy * dy
            let t = length == 0 ? 0 : max(0, min(1, ((point.0 - previous[0]) * dx + (point.1 - previous[1]) * dy) / length))
            let (ex, ey) = (previous[0] + t * dx - point.0, previous[1] + t * dy - point.1)
            best = min(best, (ex * ex + ey * ey).squareRoot())
            previous = current
        }
        return best
    }

    /// The 679 London wards' boundaries shipped with HarmRank.
    public static func shipped() throws(DataFileError) -> WardBoundaries {
        let file = "london-ward-boundaries.geojson (shipped)"
        return try WardBoundaries(geoJSON: Array(try readResource("london-ward-boundaries.geojson").utf8), file: file)
    }
}
