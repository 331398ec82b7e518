/// police.uk street-level crime CSVs as place-only offence records (CONTRACT.md section 9): no suspects or
/// victims (police.uk publishes none), the crime type mapped to a subgroup, the month as the time (its first
/// instant, UTC; CONTRACT.md section 6), the ward that holds the published point (point in the ward boundaries),
/// else the ward of the row's LSOA, and the point when it lies within the ward registry's bounds. A row with a
/// point inside a ward is never dropped for its LSOA code, which is of 2011 in files before 2022.
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
        /// Of those, rows placed in their ward by their point.
        public var placedByPoint = 0
        /// Of those, rows placed by their LSOA code, their point lying in no ward.
        public var placedByLSOA = 0
        /// Of those, rows with no usable point (none, or outside the registry's bounds): kept without one.
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
        /// For each reason a row was skipped, the first few rows so skipped, as `crime id (LSOA, lon lat)`.
        public var examples: [String: [String]] = [:]
        /// How many examples are kept of each reason.
        public static let examplesPerReason = 3

        /// No rows yet.
        public init() {}

        /// Rows not imported, for whichever reason.
        public var skipped: Int { rows - imported }
    }

    let wards: WardRegistry
    let lsoas: LSOALookup
    let boundaries: WardBoundaries
    /// Per police.uk crime type, the offence code its records carry.
    public let codes: [String: String]

    /// An import into `wards`; fails if `harmTable` lacks an offence code a crime type maps to.
    public init(
        harmTable: HarmTable, wards: WardRegistry, lsoas: LSOALookup, boundaries: WardBoundaries
    ) throws(DataFileError) {
        self.wards = wards
        self.lsoas = lsoas
        self.boundaries = boundaries
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
            let lsoa = try columns.value("LSOA code", in: row)
            let latitude = try columns.value("Latitude", in: row)
            let longitude = try columns.value("Longitude", in: row)
            func skip(_ reason: String, _ count: WritableKeyPath<Counts, Int>) {
                counts[keyPath: count] += 1
                if counts.examples[reason, default: []].count < Counts.examplesPerReason {
                    counts.examples[reason, default: []].append(
                        "\(crimeID.isEmpty ? "(no id)" : String(crimeID.prefix(12))) (LSOA \(lsoa.isEmpty ? "none" : lsoa), "
                            + "\(longitude.isEmpty ? "no point" : "\(longitude) \(latitude)"))")
                }
            }
            guard !crimeID.isEmpty else { skip("no crime id", \.withoutCrimeID); continue }
            let point = Double(latitude).flatMap { lat in Double(longitude).map { (latitude: lat, longitude: $0) } }
            let byPoint = point.flatMap { boundaries.ward(containingLatitude: $0.latitude, longitude: $0.longitude) }
            guard let ward = byPoint ?? lsoas[lsoa] else { skip("outside the registry", \.outsideRegistry); continue }
            guard let month = Self.monthStart(try columns.value("Month", in: row)) else { skip("month not YYYY-MM", \.badMonth); continue }
            var members: [JSONValue.Member] = [
                .init(key: "crimeRef", value: .string("puk:" + crimeID.prefix(60))),
                .init(key: "version", value: .number("1")),
                .init(key: "offenceCode", value: .string(code)),
                .init(key: "occurredAt", value: .string(month)),
                .init(key: "wardCode", value: .string(ward)),
            ]
            if byPoint != nil { counts.placedByPoint += 1 } else { counts.placedByLSOA += 1 }
            if let point, wards.bounds.contains(latitude: point.latitude, longitude: point.longitude) {
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
