import Foundation

/// A ward of the registry: code, name, borough and its label point.
public struct Ward: Sendable, Hashable {
    /// The ONS ward code, for instance `E05013806`.
    public let code: String
    /// The ward's name.
    public let name: String
    /// The ONS code of its borough.
    public let boroughCode: String
    /// The borough's name.
    public let borough: String
    /// The label point's latitude, WGS84 degrees.
    public let latitude: Double
    /// The label point's longitude, WGS84 degrees.
    public let longitude: Double
}

/// The wards records may name (CONTRACT.md section 1): by default the 679 London wards shipped with HarmRank
/// (ONS, December 2025), replaced with `--wards FILE` or `HARMRANK_WARDS`.
public struct WardRegistry: Sendable {
    /// The columns a ward file must have, in this order.
    public static let header = ["ward_code", "ward_name", "borough_code", "borough_name", "lat", "lon"]

    /// Sorted by code, the order of the `stop-search-wards` ties.
    public let wards: [Ward]
    private let byCode: [String: Ward]
    /// Where a record's coordinates may lie: the wards' bounding box widened by 5 km on every side.
    public let bounds: Bounds

    /// A box of latitudes and longitudes.
    public struct Bounds: Sendable, Equatable {
        /// The box's edges, WGS84 degrees.
        public let minLatitude, maxLatitude, minLongitude, maxLongitude: Double

        /// Whether the point lies in the box, edges included.
        public func contains(latitude: Double, longitude: Double) -> Bool {
            (minLatitude...maxLatitude).contains(latitude) && (minLongitude...maxLongitude).contains(longitude)
        }
    }

    /// The ward of `code`, if the registry has it.
    public subscript(code: String) -> Ward? { byCode[code] }

    /// Reads wards from CSV text; `file` names it in errors.
    public init(csv: String, file: String) throws(DataFileError) {
        let rows = CSVReader(csv).makeIterator()
        let columns = try CSVColumns(header: rows.next(), file: file, required: Self.header)
        var byCode: [String: Ward] = [:]
        while let row = rows.next() {
            func fail(_ problem: String) -> DataFileError { DataFileError(file: file, line: row.line, problem: problem) }
            let code = try columns.value("ward_code", in: row)
            guard !code.isEmpty else { throw fail("ward_code is empty") }
            guard byCode[code] == nil else { throw fail("ward_code '\(code)' appears twice") }
            guard let latitude = Double(try columns.value("lat", in: row)), (-90...90).contains(latitude),
                let longitude = Double(try columns.value("lon", in: row)), (-180...180).contains(longitude)
            else { throw fail("lat and lon must be WGS84 degrees") }
            byCode[code] = Ward(
                code: code, name: try columns.value("ward_name", in: row),
                boroughCode: try columns.value("borough_code", in: row), borough: try columns.value("borough_name", in: row),
                latitude: latitude, longitude: longitude)
        }
        guard !byCode.isEmpty else { throw DataFileError(file: file, line: nil, problem: "the registry has no wards") }
        self.byCode = byCode
        self.wards = byCode.values.sorted { $0.code.utf8.lexicographicallyPrecedes($1.code.utf8) }
        let latitudes = wards.map(\.latitude)
        let longitudes = wards.map(\.longitude)
        let (minLatitude, maxLatitude) = (latitudes.min()!, latitudes.max()!)
        // 5 km in degrees: 1° of latitude is 111.32 km; a degree of longitude shrinks with the cosine of the
        // latitude, taken at the box's edge nearest a pole so the margin is never less than 5 km.
        let latitudeMargin = 5 / 111.32
        let widestLatitude = max(abs(minLatitude), abs(maxLatitude)) * Double.pi / 180
        let longitudeMargin = 5 / (111.32 * cos(widestLatitude))
        self.bounds = Bounds(
            minLatitude: minLatitude - latitudeMargin, maxLatitude: maxLatitude + latitudeMargin,
            minLongitude: longitudes.min()! - longitudeMargin, maxLongitude: longitudes.max()! + longitudeMargin)
    }

    /// Reads wards from the CSV file at `path`.
    public init(contentsOf path: String) throws(DataFileError) {
        try self.init(csv: try readDataFile(path), file: path)
    }

    /// The 679 London wards shipped with HarmRank.
    public static func shipped() throws(DataFileError) -> WardRegistry {
        try WardRegistry(csv: try readResource("london-wards.csv"), file: "london-wards.csv (shipped)")
    }
}
