/// One version of a crime record as accepted (CONTRACT.md section 1), normalised so that two versions with the
/// same content compare equal: suspects, victims and flags sorted and unique.
public struct OffenceRecord: Sendable, Hashable {
    /// A record counts while `recorded`; a `cancelled` one withdraws the crime.
    public enum Status: String, Sendable, Codable {
        /// The crime stands and counts.
        case recorded
        /// The crime was cancelled (no crime, or recorded in error): it no longer counts.
        case cancelled
    }

    /// What the record says of the crime beyond its offence code.
    public struct Flags: OptionSet, Sendable, Hashable, Codable {
        /// One bit per flag.
        public let rawValue: UInt8
        /// The flags of these bits.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Domestic abuse: what Dauntless+ counts.
        public static let domestic = Flags(rawValue: 1 << 0)
        /// A weapon was involved.
        public static let weapon = Flags(rawValue: 1 << 1)

        /// Each flag with its name in records, in the order records list them.
        public static let names: [(String, Flags)] = [("domestic", .domestic), ("weapon", .weapon)]
        /// The names of the flags set, in that order.
        public var names: [String] { Flags.names.filter { contains($0.1) }.map(\.0) }
    }

    /// Where a crime occurred, in WGS84 degrees.
    public struct Location: Sendable, Hashable {
        /// Degrees north.
        public let latitude: Double
        /// Degrees east.
        public let longitude: Double
        /// A point at `latitude`, `longitude`.
        public init(latitude: Double, longitude: Double) {
            self.latitude = latitude
            self.longitude = longitude
        }
    }

    /// The crime's reference, the same for every version.
    public var crimeRef: String
    /// Higher versions replace lower ones.
    public var version: Int64
    /// Recorded or cancelled.
    public var status: Status
    /// Absent only on a cancelled record.
    public var offenceCode: String?
    /// When the crime occurred: what the windows count from.
    public var occurredAt: Instant
    /// When it was reported, if the source says.
    public var reportedAt: Instant?
    /// The ward it is placed in, if the record gives one.
    public var wardCode: String?
    /// Where it occurred, if the record gives a point.
    public var location: Location?
    /// Domestic, weapon.
    public var flags: Flags
    /// The suspects' ids, sorted and unique.
    public var suspects: [String]
    /// The victims' ids, sorted and unique.
    public var victims: [String]

    /// A record, normalised: suspects, victims and flags sorted and unique.
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
    /// The strings in HarmRank's order of ids: by UTF-8 bytes.
    public func sortedBytewise() -> [String] { sorted { $0.precedesBytewise($1) } }
}
