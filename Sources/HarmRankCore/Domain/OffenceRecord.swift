/// One version of a crime record as accepted (CONTRACT.md section 1), normalised so that two versions with the
/// same content compare equal: suspects, victims and flags sorted and unique.
public struct OffenceRecord: Sendable, Hashable {
    public enum Status: String, Sendable, Codable { case recorded, cancelled }

    public struct Flags: OptionSet, Sendable, Hashable, Codable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let domestic = Flags(rawValue: 1 << 0)
        public static let weapon = Flags(rawValue: 1 << 1)

        public static let names: [(String, Flags)] = [("domestic", .domestic), ("weapon", .weapon)]
        public var names: [String] { Flags.names.filter { contains($0.1) }.map(\.0) }
    }

    public struct Location: Sendable, Hashable {
        public let latitude: Double
        public let longitude: Double
        public init(latitude: Double, longitude: Double) {
            self.latitude = latitude
            self.longitude = longitude
        }
    }

    public var crimeRef: String
    public var version: Int64
    public var status: Status
    /// Absent only on a cancelled record.
    public var offenceCode: String?
    public var occurredAt: Instant
    public var reportedAt: Instant?
    public var wardCode: String?
    public var location: Location?
    public var flags: Flags
    public var suspects: [String]
    public var victims: [String]

    public init(
        crimeRef: String, version: Int64, status: Status = .recorded, offenceCode: String?, occurredAt: Instant,
        reportedAt: Instant? = nil, wardCode: String? = nil, location: Location? = nil, flags: Flags = [],
        suspects: [String] = [], victims: [String] = []
    ) {
        self.crimeRef = crimeRef
        self.version = version
        self.status = status
        self.offenceCode = offenceCode
        self.occurredAt = occurredAt
        self.reportedAt = reportedAt
        self.wardCode = wardCode
        self.location = location
        self.flags = flags
        self.suspects = suspects.sortedBytewise()
        self.victims = victims.sortedBytewise()
    }
}

extension String {
    /// The ordering of ids everywhere in HarmRank (CONTRACT.md section 4): by UTF-8 bytes.
    public func precedesBytewise(_ other: String) -> Bool { utf8.lexicographicallyPrecedes(other.utf8) }
}

extension Array where Element == String {
    public func sortedBytewise() -> [String] { sorted { $0.precedesBytewise($1) } }
}
