import Foundation

/// A position on the British National Grid (EPSG:27700), in metres east and north of the grid's false origin.
public struct GridPoint: Sendable, Hashable {
    /// Metres east of the false origin.
    public let easting: Double
    /// Metres north of the false origin.
    public let northing: Double

    /// The point at `easting`, `northing`.
    public init(easting: Double, northing: Double) {
        self.easting = easting
        self.northing = northing
    }
}

/// WGS84 latitude and longitude to British National Grid metres, as PROJ's default EPSG:4326 to EPSG:27700 operation
/// does when the OSTN15 grid file is not installed: the EPSG:1314 Helmert transformation from WGS84 to OSGB36
/// (stated accuracy 2 m against OSTN15), then the grid's transverse Mercator projection on the Airy 1830 ellipsoid
/// (Ordnance Survey, "A guide to coordinate systems in Great Britain", annexes B and C).
///
/// The datum shift varies by centimetres across London, so distances and cells agree with a survey-grade
/// conversion far better than the absolute 2 m; the README says so.
public enum BritishNationalGrid {
    /// The grid point of a WGS84 latitude and longitude in degrees.
    public static func project(latitude: Double, longitude: Double) -> GridPoint {
        let wgs84 = cartesian(latitude: radians(latitude), longitude: radians(longitude), on: .wgs84)
        let osgb36 = helmertToOSGB36(wgs84)
        let (phi, lambda) = geodetic(osgb36, on: .airy1830)
        return transverseMercator(latitude: phi, longitude: lambda)
    }

    struct Ellipsoid {
        let a: Double
        let b: Double
        var eccentricitySquared: Double { (a * a - b * b) / (a * a) }

        static let wgs84 = Ellipsoid(a: 6_378_137, b: 6_356_752.314245)
        static let airy1830 = Ellipsoid(a: 6_377_563.396, b: 6_356_256.909)
    }

    private static func radians(_ degrees: Double) -> Double { degrees * .pi / 180 }

    private static func cartesian(latitude phi: Double, longitude lambda: Double, on ellipsoid: Ellipsoid) -> SIMD3<Double> {
        let e2 = ellipsoid.eccentricitySquared
        let nu = ellipsoid.a / (1 - e2 * sin(phi) * sin(phi)).squareRoot()
        return SIMD3(nu * cos(phi) * cos(lambda), nu * cos(phi) * sin(lambda), (1 - e2) * nu * sin(phi))
    }

    /// EPSG:1314 gives OSGB36 to WGS84 in the position-vector convention; this is its inverse.
    private static func helmertToOSGB36(_ point: SIMD3<Double>) -> SIMD3<Double> {
        let translation = SIMD3<Double>(446.448, -125.157, 542.06)
        let arcSecond = Double.pi / (180 * 3600)
        let (rx, ry, rz) = (0.15 * arcSecond, 0.247 * arcSecond, 0.842 * arcSecond)
        let scale = 1 - 20.489e-6
        let shifted = (point - translation) / scale
        // The forward rotation matrix is [[1, -rz, ry], [rz, 1, -rx], [-ry, rx, 1]]; for angles this small its
        // transpose is its inverse to well under a millimetre.
        return SIMD3(
            shifted.x + rz * shifted.y - ry * shifted.z,
            -rz * shifted.x + shifted.y + rx * shifted.z,
            ry * shifted.x - rx * shifted.y + shifted.z)
    }

    private static func geodetic(_ point: SIMD3<Double>, on ellipsoid: Ellipsoid) -> (latitude: Double, longitude: Double) {
        let e2 = ellipsoid.eccentricitySquared
        let p = (point.x * point.x + point.y * point.y).squareRoot()
        var phi = atan2(point.z, p * (1 - e2))
        for _ in 0..<10 {
            let nu = ellipsoid.a / (1 - e2 * sin(phi) * sin(phi)).squareRoot()
            phi = atan2(point.z + e2 * nu * sin(phi), p)
        }
        return (phi, atan2(point.y, point.x))
    }

    private static func transverseMercator(latitude phi: Double, longitude lambda: Double) -> GridPoint {
        let ellipsoid = Ellipsoid.airy1830
        let (a, b, e2) = (ellipsoid.a, ellipsoid.b, ellipsoid.eccentricitySquared)
        let scaleFactor = 0.9996012717
        let (phi0, lambda0) = (radians(49), radians(-2))
        let (falseEasting, falseNorthing) = (400_000.0, -100_000.0)

        let n = (a - b) / (a + b)
        let (n2, n3) = (n * n, n * n * n)
        let (sinPhi, cosPhi) = (sin(phi), cos(phi))
        let tanPhi = sinPhi / cosPhi
        let (tan2, tan4) = (tanPhi * tanPhi, tanPhi * tanPhi * tanPhi * tanPhi)
        let nu = a * scaleFactor / (1 - e2 * sinPhi * sinPhi).squareRoot()
        let rho = a * scaleFactor * (1 - e2) * pow(1 - e2 * sinPhi * sinPhi, -1.5)
        let eta2 = nu / rho - 1
        let (dPhi, sPhi) = (phi - phi0, phi + phi0)
        let meridionalArc = b * scaleFactor * (
            (1 + n + 5.0 / 4 * n2 + 5.0 / 4 * n3) * dPhi
            - (3 * n + 3 * n2 + 21.0 / 8 * n3) * sin(dPhi) * cos(sPhi)
            + (15.0 / 8 * n2 + 15.0 / 8 * n3) * sin(2 * dPhi) * cos(2 * sPhi)
            - 35.0 / 24 * n3 * sin(3 * dPhi) * cos(3 * sPhi))
        let cos3 = cosPhi * cosPhi * cosPhi
        let cos5 = cos3 * cosPhi * cosPhi
        let i = meridionalArc + falseNorthing
        let ii = nu / 2 * sinPhi * cosPhi
        let iii = nu / 24 * sinPhi * cos3 * (5 - tan2 + 9 * eta2)
        let iiiA = nu / 720 * sinPhi * cos5 * (61 - 58 * tan2 + tan4)
        let iv = nu * cosPhi
        let v = nu / 6 * cos3 * (nu / rho - tan2)
        let vi = nu / 120 * cos5 * (5 - 18 * tan2 + tan4 + 14 * eta2 - 58 * tan2 * eta2)
        let l = lambda - lambda0
        let (l2, l3) = (l * l, l * l * l)
        return GridPoint(
            easting: falseEasting + iv * l + v * l3 + vi * l3 * l2,
            northing: i + ii * l2 + iii * l2 * l2 + iiiA * l3 * l3)
    }

    /// The projection step alone, for checking against the Ordnance Survey's worked example on OSGB36.
    static func projectOSGB36(latitude: Double, longitude: Double) -> GridPoint {
        transverseMercator(latitude: radians(latitude), longitude: radians(longitude))
    }
}
