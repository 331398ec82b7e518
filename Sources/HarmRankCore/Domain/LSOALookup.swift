/// London's 2021 LSOAs to the ward each best fits (ONS), for placing police.uk rows, which name an LSOA.
public struct LSOALookup: Sendable {
    /// The columns a lookup file must have.
    public static let header = ["lsoa_code", "ward_code"]

    private let wardByLSOA: [String: String]

    /// The ward code of `lsoa`, if the lookup has it.
    public subscript(lsoa: String) -> String? { wardByLSOA[lsoa] }
    /// LSOAs in the lookup.
    public var count: Int { wardByLSOA.count }

    /// Every ward named must be in `wards`, so that what the lookup places, IngestService accepts.
    public init(csv: String, file: String, wards: WardRegistry) throws(DataFileError) {
        let rows = CSVReader(csv).makeIterator()
        let columns = try CSVColumns(header: rows.next(), file: file, required: Self.header)
        var wardByLSOA: [String: String] = [:]
        while let row = rows.next() {
            let lsoa = try columns.value("lsoa_code", in: row)
            let ward = try columns.value("ward_code", in: row)
            guard !lsoa.isEmpty, wardByLSOA[lsoa] == nil else {
                throw DataFileError(file: file, line: row.line, problem: "lsoa_code '\(lsoa)' is empty or appears twice")
            }
            guard wards[ward] != nil else {
                throw DataFileError(file: file, line: row.line, problem: "ward_code '\(ward)' is not in the ward registry")
            }
            wardByLSOA[lsoa] = ward
        }
        self.wardByLSOA = wardByLSOA
    }

    /// The lookup shipped with HarmRank, checked against `wards`.
    public static func shipped(wards: WardRegistry) throws(DataFileError) -> LSOALookup {
        try LSOALookup(csv: try readResource("london-lsoa-to-ward.csv"), file: "london-lsoa-to-ward.csv (shipped)", wards: wards)
    }
}
