import Testing

@testable import HarmRankCore

@Suite struct WardBoundariesTests {
    @Test func theShippedBoundariesOutlineEveryWardOfTheRegistryOnTheGrid() throws {
        let boundaries = try WardBoundaries.shipped()
        let wards = Fixtures.wards
        #expect(Set(boundaries.outlines.keys) == Set(wards.wards.map(\.code)))
        for ward in wards.wards {
            let points = boundaries.outlines[ward.code]!.flatMap { $0.flatMap { $0 } }
            #expect(points.count >= 4 && points.allSatisfy { $0.count == 2 })
            // The label point lies within the outline's box (metres on the grid).
            let label = BritishNationalGrid.project(latitude: ward.latitude, longitude: ward.longitude)
            let (eastings, northings) = (points.map { $0[0] }, points.map { $0[1] })
            #expect(
                (eastings.min()! - 50...eastings.max()! + 50).contains(label.easting)
                    && (northings.min()! - 50...northings.max()! + 50).contains(label.northing), "\(ward.code) \(ward.name)")
        }
        // Neighbouring wards share their edges point for point, which is what the map's unit borders rely on.
        var edges: [String: Int] = [:]
        for outline in boundaries.outlines.values {
            for ring in outline.flatMap({ $0 }) {
                for (a, b) in zip(ring, ring.dropFirst()) {
                    let (p, q) = ("\(a)", "\(b)")
                    edges[p < q ? p + q : q + p, default: 0] += 1
                }
            }
        }
        #expect(edges.values.filter { $0 == 2 }.count > 4 * edges.values.filter { $0 == 1 }.count)
    }

    @Test(arguments: [
        ("[]", "b.geojson: has no 'features' array"),
        (#"{"features":[{"properties":{},"geometry":{"type":"Polygon","coordinates":[]}}]}"#, "b.geojson: feature 0 has no 'code' property"),
        (#"{"features":[{"properties":{"code":"E1"},"geometry":{"type":"Point","coordinates":[0,51]}}]}"#,
         "b.geojson: feature 0 (E1) is not a Polygon or MultiPolygon"),
        (#"{"features":[{"properties":{"code":"E1"},"geometry":{"type":"Polygon","coordinates":[[["x",51]]]}}]}"#,
         "b.geojson: feature 0 (E1) has a point that is not [longitude, latitude]"),
    ])
    func aBadFileSaysWhatIsWrong(text: String, message: String) {
        let error = #expect(throws: DataFileError.self) { try WardBoundaries(geoJSON: Array(text.utf8), file: "b.geojson") }
        #expect(error?.description == message)
    }
}
