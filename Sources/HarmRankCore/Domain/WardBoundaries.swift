/// The wards' boundary polygons on the British National Grid, for the dashboard's map: by default the 679 London
/// wards' shipped with HarmRank (`london-ward-boundaries.geojson`, property `code`, WGS84, simplified).
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
    }

    /// The 679 London wards' boundaries shipped with HarmRank.
    public static func shipped() throws(DataFileError) -> WardBoundaries {
        let file = "london-ward-boundaries.geojson (shipped)"
        return try WardBoundaries(geoJSON: Array(try readResource("london-ward-boundaries.geojson").utf8), file: file)
    }
}
