/// police.uk street-level crime CSVs as place-only offence records (CONTRACT.md section 9): no suspects or
/// victims (police.uk publishes none), the crime type mapped to a subgroup, the month as the time (its first
/// instant, UTC; CONTRACT.md section 6), the ward from the row's LSOA, and the published point when it lies
/// within the ward registry's bounds.
public struct PoliceUKImport: Sendable {
    /// The columns a police.uk street-level CSV must have (others are ignored).
    public static let header = ["Crime ID", "Month", "Longitude", "Latitude", "LSOA code", "Crime type"]

    /// police.uk crime types: the subgroup each maps to, and the Home Office code its records carry when the harm
    /// table has it under that subgroup (the type's most common offence; otherwise the subgroup's first row).
    /// police.uk does not split burglary into residential and business, nor robbery into personal and business;
    /// most of each is the first, which is what hotspot models count.
    public static let crimeTypes: [String: (subgroup: Subgroup, code: String)] = [
        "Bicycle theft": (.bicycleTheft, "44"),
        "Burglary": (.burglaryResidential, "28E"),
        "Criminal damage and arson": (.criminalDamage, "58D"),
        "Drugs": (.drugsPossession, "92E"),
        "Other crime": (.misc, "33"),
        "Other theft": (.theftOther, "49"),
        "Possession of weapons": (.weaponsPossession, "10C"),
        "Public order": (.publicOrder, "9A"),
        "Robbery": (.robberyPersonal, "34B"),
        "Shoplifting": (.shoplifting, "46"),
        "Theft from the person": (.theftPerson, "39"),
        "Vehicle crime": (.vehicle, "45"),
        "Violence and sexual offences": (.violenceWithoutInjury, "105A"),
    ]
    /// Reported by police.uk beside crimes, but not a crime: counted and skipped.
    public static let antisocialBehaviour = "Anti-social behaviour"

    /// What became of the rows: every row is imported or counted under one reason.
    public struct Counts: Sendable, Equatable {
        /// Rows read.
        public var rows = 0
        /// Rows that became offence records.
        public var imported = 0
        /// Of those, rows placed by their LSOA code, having no usable point.
        public var importedWithoutPoint = 0
        /// Anti-social behaviour rows, which are not crimes and carry no crime id.
        public var antisocialBehaviour = 0
        /// Rows neither whose point nor whose LSOA lies in a ward of the registry.
        public var outsideRegistry = 0
        /// Rows of another type without a crime id.
        public var withoutCrimeID = 0
        /// Rows of a crime type HarmRank does not map, by type.
        public var unknownType: [String: Int] = [:]
        /// Rows whose month is not `YYYY-MM`.
        public var badMonth = 0

        /// No rows yet.
        public init() {}

        /// Rows not imported, for whichever reason.
        public var skipped: Int { rows - imported }
    }

    let wards: WardRegistry
    let lsoas: LSOALookup
    /// Per police.uk crime type, the offence code its records carry.
    public let codes: [String: String]

    /// An import into `wards`; fails if `harmTable` lacks an offence code a crime type maps to.
    public init(harmTable: HarmTable, wards: WardRegistry, lsoas: LSOALookup) throws(DataFileError) {
        self.wards = wards
        self.lsoas = lsoas
        var firstOfSubgroup: [Subgroup: String] = [:]
        for offence in harmTable.offences where firstOfSubgroup[offence.subgroup] == nil {
            firstOfSubgroup[offence.subgroup] = offence.code
        }
        var codes: [String: String] = [:]
        for (type, (subgroup, preferred)) in Self.crimeTypes {
            if harmTable[preferred]?.subgroup == subgroup {
                codes[type] = preferred
            } else if let first = firstOfSubgroup[subgroup] {
                codes[type] = first
            } else {
                throw DataFileError(
                    file: "harm table", line: nil,
                    problem: "has no offence of subgroup '\(subgroup.rawValue)', which police.uk '\(type)' rows are mapped to; add one")
            }
        }
        self.codes = codes
    }

    /// One NDJSON record per imported row, in file order.
    public func records(csv: String, file: String, counts: inout Counts) throws(DataFileError) -> [String] {
        let rows = CSVReader(csv).makeIterator()
        let columns = try CSVColumns(header: rows.next(), file: file, required: Self.header)
        var records: [String] = []
        while let row = rows.next() {
            counts.rows += 1
            let type = try columns.value("Crime type", in: row)
            if type == Self.antisocialBehaviour { counts.antisocialBehaviour += 1; continue }
            guard let code = codes[type] else {
                counts.unknownType[type, default: 0] += 1
                continue
            }
            // police.uk's crime ids are 64 hex digits; the prefix keeps them apart from a force's own references
            // within the 64 characters a crimeRef may have.
            let crimeID = try columns.value("Crime ID", in: row)
            guard !crimeID.isEmpty else { counts.withoutCrimeID += 1; continue }
            guard let ward = lsoas[try columns.value("LSOA code", in: row)] else { counts.outsideRegistry += 1; continue }
            guard let month = Self.monthStart(try columns.value("Month", in: row)) else { counts.badMonth += 1; continue }
            var members: [JSONValue.Member] = [
                .init(key: "crimeRef", value: .string("puk:" + crimeID.prefix(60))),
                .init(key: "version", value: .number("1")),
                .init(key: "offenceCode", value: .string(code)),
                .init(key: "occurredAt", value: .string(month)),
                .init(key: "wardCode", value: .string(ward)),
            ]
            let latitude = try columns.value("Latitude", in: row)
            let longitude = try columns.value("Longitude", in: row)
            if let lat = Double(latitude), let lon = Double(longitude), wards.bounds.contains(latitude: lat, longitude: lon) {
                members.append(.init(key: "lat", value: .number(latitude)))
                members.append(.init(key: "lon", value: .number(longitude)))
            } else {
                counts.importedWithoutPoint += 1
            }
            records.append(JSONValue.object(members).text)
            counts.imported += 1
        }
        return records
    }

    /// `2023-01` as the first instant of the month in RFC 3339, or nil.
    static func monthStart(_ month: String) -> String? {
        let parts = month.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let number = Int(parts[1]),
            (1900...9999).contains(year), (1...12).contains(number)
        else { return nil }
        return "\(month)-01T00:00:00Z"
    }
}
