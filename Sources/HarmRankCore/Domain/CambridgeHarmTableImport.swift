/// Turns a CSV export of the official Cambridge Crime Harm Index sheet (columns such as `HO_CODE`,
/// `HOME_OFFICE_CLASSIFICATION`, `FULL_OFFENCE_TITLE` and `CCHI Score`) into HarmRank's harm table format.
///
/// The official sheet has several rows per Home Office code (one per specific offence); HarmRank scores by code,
/// so one value is chosen per code (`PerCode`, by default the lowest: a suspect is never scored above what
/// every offence under the code would give). The subgroup comes from a subgroup column when the export has one,
/// else from the shipped table for codes it knows, else from the classification's words; `vawg` from the
/// shipped table, else from the words. Every such inference is reported, so an analyst can check it.
public struct CambridgeHarmTableImport: Sendable {
    /// Which of a code's several values becomes its harm.
    public enum PerCode: String, Sendable, CaseIterable {
        /// The lowest: a suspect is never scored above what every offence under the code would give.
        case lowest
        /// The median, the lower of the middle two for an even count.
        case median
        /// The highest.
        case highest
    }

    /// The table, and what the import decided on its own.
    public struct Result: Sendable {
        /// The table in HarmRank's format.
        public let table: HarmTable
        /// What the import decided on its own: rows skipped, values rounded, subgroups and VAWG inferred.
        public let notes: [String]
    }

    /// The shipped table, for the subgroup and VAWG of the codes it knows.
    public let known: HarmTable
    /// Which value per code is kept.
    public let perCode: PerCode

    /// An import that takes what it cannot read from `known`.
    public init(known: HarmTable, perCode: PerCode = .lowest) {
        self.known = known
        self.perCode = perCode
    }

    /// Converts the CSV text of an export; `file` names it in errors.
    public func convert(csv: String, file: String) throws(DataFileError) -> Result {
        let rows = CSVReader(csv).makeIterator()
        guard let header = rows.next() else { throw DataFileError(file: file, line: nil, problem: "the file is empty") }
        let normalisedHeader = header.fields.map(Self.normalise)
        func column(_ names: [String]) -> Int? { names.lazy.compactMap { normalisedHeader.firstIndex(of: $0) }.first }
        guard let codeColumn = column(["hocode", "homeofficecode", "offencecode", "hooffencecode"]) else {
            throw DataFileError(file: file, line: header.line, problem: "no Home Office code column (HO_CODE) in the header")
        }
        guard let scoreColumn = column(["cchiscore", "cchi", "cchidays", "cchiscoredays"]) else {
            throw DataFileError(file: file, line: header.line, problem: "no harm column (CCHI Score) in the header")
        }
        let titleColumn = column(["homeofficeclassification", "hoclassification", "fulloffencetitle", "offencetitle", "title"])
        let subgroupColumn = column(["subgroup", "hosubgroup", "offencesubgroup", "hooffencesubgroup"])

        struct Candidate {
            let line: Int
            let title: String
            let subgroupText: String
            let harm: Harm
        }
        var candidates: [String: [Candidate]] = [:]
        var codeOrder: [String] = []
        var notes: [String] = []
        var skippedLines: [Int] = []
        var roundedLines: [Int] = []
        while let row = rows.next() {
            func field(_ index: Int?) -> String {
                guard let index, index < row.fields.count else { return "" }
                return row.fields[index].trimmingASCIIWhitespace()
            }
            let code = field(codeColumn)
            let scoreText = field(scoreColumn).filter { $0 != "," && $0 != " " }
            guard !code.isEmpty, let (harm, rounded) = Self.parseScore(scoreText) else {
                skippedLines.append(row.line)
                continue
            }
            if rounded { roundedLines.append(row.line) }
            if candidates[code] == nil { codeOrder.append(code) }
            candidates[code, default: []].append(
                Candidate(line: row.line, title: field(titleColumn), subgroupText: field(subgroupColumn), harm: harm))
        }
        if !skippedLines.isEmpty {
            notes.append(
                "skipped \(skippedLines.count) rows without a code or a numeric score (lines \(Self.sample(skippedLines)))")
        }
        if !roundedLines.isEmpty {
            notes.append(
                "rounded \(roundedLines.count) scores to two decimal places (lines \(Self.sample(roundedLines)))")
        }
        guard !codeOrder.isEmpty else {
            throw DataFileError(file: file, line: nil, problem: "no row has both a Home Office code and a numeric score")
        }

        var offences: [HarmOffence] = []
        var inferredSubgroups: [String] = []
        var inferredVAWG: [String] = []
        for code in codeOrder {
            let rows = candidates[code]!.sorted { $0.harm < $1.harm }
            let chosen: Candidate
            switch perCode {
            case .lowest: chosen = rows.first!
            case .median: chosen = rows[(rows.count - 1) / 2]
            case .highest: chosen = rows.last!
            }
            guard chosen.harm <= HarmTable.maximumHarm else {
                throw DataFileError(file: file, line: chosen.line, problem: "CCHI score \(chosen.harm) is out of range")
            }
            let title = chosen.title.isEmpty ? (known[code]?.title ?? "Home Office code \(code)") : chosen.title
            let subgroup: Subgroup
            if let named = Self.subgroup(named: chosen.subgroupText) {
                subgroup = named
            } else if let knownSubgroup = known[code]?.subgroup {
                subgroup = knownSubgroup
            } else {
                subgroup = Self.subgroup(fromWords: title)
                inferredSubgroups.append("\(code)→\(subgroup.rawValue)")
            }
            let vawg: Bool
            if let knownOffence = known[code] {
                vawg = knownOffence.vawg
            } else {
                vawg = Self.isVAWG(title)
                if vawg { inferredVAWG.append(code) }
            }
            offences.append(HarmOffence(code: code, title: title, subgroup: subgroup, harm: chosen.harm, vawg: vawg))
        }
        let multiple = codeOrder.filter { candidates[$0]!.count > 1 }.count
        if multiple > 0 {
            notes.append("\(multiple) codes have several rows; took the \(perCode.rawValue) score of each")
        }
        if !inferredSubgroups.isEmpty {
            notes.append(
                "subgroup inferred from the title for \(inferredSubgroups.count) codes: \(inferredSubgroups.joined(separator: ", "))")
        }
        if !inferredVAWG.isEmpty {
            notes.append("vawg set from the title for \(inferredVAWG.count) codes: \(inferredVAWG.joined(separator: ", "))")
        }
        return Result(table: HarmTable(offences: offences), notes: notes)
    }

    static func normalise(_ text: String) -> String {
        String(text.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    /// A score in days; more than two decimals are rounded half up to the hundredth.
    static func parseScore(_ text: String) -> (Harm, rounded: Bool)? {
        if let exact = Harm(decimal: Substring(text)) { return (exact, false) }
        guard let value = Double(text), value.isFinite, value >= 0, text.allSatisfy({ $0.isASCIIDigit || $0 == "." })
        else { return nil }
        return (Harm(roundingDays: value), true)
    }

    static func sample(_ lines: [Int]) -> String {
        lines.prefix(10).map(String.init).joined(separator: ", ") + (lines.count > 10 ? ", ..." : "")
    }

    /// Subgroup labels as HarmRank, the Home Office and the ONS write them.
    static let subgroupLabels: [String: Subgroup] = {
        var labels: [String: Subgroup] = [:]
        for subgroup in Subgroup.allCases { labels[normalise(subgroup.rawValue)] = subgroup }
        let aliases: [(String, Subgroup)] = [
            ("stalking and harassment", .stalkingHarassment),
            ("death or serious injury unlawful driving", .deathInjuryDriving),
            ("death or serious injury caused by unlawful driving", .deathInjuryDriving),
            ("death or serious injury caused by illegal driving", .deathInjuryDriving),
            ("other sexual offences", .otherSexual), ("robbery of personal property", .robberyPersonal),
            ("robbery of business property", .robberyBusiness), ("residential burglary", .burglaryResidential),
            ("non-residential burglary", .burglaryBusiness), ("burglary business and community", .burglaryBusiness),
            ("theft from the person", .theftPerson), ("other theft", .theftOther), ("all other theft offences", .theftOther),
            ("bicycle theft", .bicycleTheft), ("vehicle offences", .vehicle), ("possession of weapons", .weaponsPossession),
            ("possession of weapons offences", .weaponsPossession), ("public order offences", .publicOrder),
            ("possession of drugs", .drugsPossession), ("trafficking of drugs", .drugsTrafficking),
            ("miscellaneous crimes against society", .misc),
        ]
        for (label, subgroup) in aliases { labels[normalise(label)] = subgroup }
        return labels
    }()

    static func subgroup(named text: String) -> Subgroup? {
        text.isEmpty ? nil : subgroupLabels[normalise(text)]
    }

    /// A best guess from the offence's words, checked in order from the most specific; `misc` when nothing fits.
    static func subgroup(fromWords title: String) -> Subgroup {
        let words = title.lowercased()
        let rules: [([String], Subgroup)] = [
            (["murder", "manslaughter", "infanticide"], .homicide),
            (["rape"], .rape),
            (["sexual", "indecent", "voyeur", "exposure", "grooming"], .otherSexual),
            (["robbery of business"], .robberyBusiness),
            (["robbery"], .robberyPersonal),
            (["causing death", "serious injury by", "dangerous driving"], .deathInjuryDriving),
            (["stalking", "harassment", "coercive", "malicious communication"], .stalkingHarassment),
            (["arson"], .arson),
            (["non-residential", "business and community", "burglary in a building other"], .burglaryBusiness),
            (["burglary"], .burglaryResidential),
            (["criminal damage"], .criminalDamage),
            (["shoplifting"], .shoplifting),
            (["pedal cycle", "bicycle"], .bicycleTheft),
            (["motor vehicle", "from a vehicle", "vehicle interference"], .vehicle),
            (["from the person"], .theftPerson),
            (["theft", "stealing"], .theftOther),
            (["supply", "trafficking", "production of", "importation"], .drugsTrafficking),
            (["possession of controlled", "possession of cannabis", "drug"], .drugsPossession),
            (["firearm", "blade", "weapon", "offensive"], .weaponsPossession),
            (["public order", "affray", "riot", "violent disorder", "alarm or distress"], .publicOrder),
            (["wounding", "grievous", "actual bodily", "with injury", "endangering life"], .violenceWithInjury),
            (["assault", "threat", "cruelty", "neglect"], .violenceWithoutInjury),
        ]
        return rules.first { rule in rule.0.contains(where: words.contains) }?.1 ?? .misc
    }

    static func isVAWG(_ title: String) -> Bool {
        let words = title.lowercased()
        return [
            "rape", "sexual", "stalking", "harassment", "coercive", "genital mutilation", "forced marriage", "voyeur",
            "exposure", "intimate image", "private sexual",
        ].contains(where: words.contains)
    }
}
