/// What a list ranks (CONTRACT.md section 4).
public enum EntityKind: String, Sendable, Codable, CaseIterable {
    /// A person suspected of crimes, by the id the source gives.
    case suspect
    /// A ward of the registry, by its ONS code.
    case ward
    /// A square of the hotspot grid, named by its south-west corner (`HotspotParameters.id(of:)`).
    case cell
}

/// A suspect, a ward or a grid cell, as links name them.
public struct EntityRef: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Suspect, ward or grid cell.
    public let kind: EntityKind
    /// The suspect's id, the ward's code or the cell's `x,y`.
    public let id: String

    /// The entity of `kind` named `id`.
    public init(_ kind: EntityKind, _ id: String) {
        self.kind = kind
        self.id = id
    }

    /// `kind id`, as log lines name an entity.
    public var description: String { "\(kind.rawValue) \(id)" }
}

/// The ranked lists of CONTRACT.md section 4. The scoring core keeps each cell's counting crimes like any
/// entity's; the `hotspots` score itself is ProMap risk, which needs the cells around it, so RankService computes
/// it (`ProspectiveHotspots`).
public enum HarmList: String, Sendable, Codable, CaseIterable {
    /// Suspects by the harm of their VAWG and domestic crimes: the VAWG 100.
    case vawg100
    /// Suspects by the harm of their violent, sexual and robbery crimes: the Violence Harm Index.
    case violenceHarm = "violence-harm"
    /// Wards by the harm of violence with a weapon and of personal robbery: Precision Stop & Search.
    case stopSearchWards = "stop-search-wards"
    /// Domestic abusers by Dauntless+ score: harm raised by recency, frequency and gravity points.
    case dauntless
    /// Grid cells by prospective (ProMap) risk.
    case hotspots
    /// Suspects by the VAWG harm the forecast model expects of them over the next 365 days (CONTRACT.md section 12):
    /// ranked by RankService from the suspects' scores when a model is configured, never scored from crimes.
    case forecast

    /// The kind of entity the list ranks.
    public var entity: EntityKind {
        switch self {
        case .stopSearchWards: .ward
        case .hotspots: .cell
        case .vawg100, .violenceHarm, .dauntless, .forecast: .suspect
        }
    }

    /// Where the list's bit sits in a `ListSet`.
    public var bit: Int {
        switch self {
        case .vawg100: 0
        case .violenceHarm: 1
        case .stopSearchWards: 2
        case .dauntless: 3
        case .hotspots: 4
        case .forecast: 5
        }
    }

    /// Whether ScoreService scores the list from the crimes counting for it: every list but the forecast.
    public var isScoredFromCrimes: Bool { self != .forecast }

    /// The lists scored from crimes that rank `kind`, in list order: what a score's standings hold. Computed once:
    /// callers ask on every update.
    public static func lists(of kind: EntityKind) -> [HarmList] {
        switch kind {
        case .suspect: suspectLists
        case .ward: wardLists
        case .cell: cellLists
        }
    }

    private static let suspectLists = allCases.filter { $0.entity == .suspect && $0.isScoredFromCrimes }
    private static let wardLists = allCases.filter { $0.entity == .ward && $0.isScoredFromCrimes }
    private static let cellLists = allCases.filter { $0.entity == .cell && $0.isScoredFromCrimes }

    /// Every list scored from crimes, in list order.
    public static let scoredFromCrimes = allCases.filter(\.isScoredFromCrimes)
}

/// The lists one offence counts for, as a bit set: stored with every contribution.
public struct ListSet: OptionSet, Sendable, Hashable, Codable {
    /// One bit per list.
    public let rawValue: UInt8
    /// The lists of these bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The set of `lists`.
    public init(_ lists: [HarmList]) {
        self.rawValue = lists.reduce(0) { $0 | 1 << $1.bit }
    }

    /// The set of `list` alone.
    public init(_ list: HarmList) { self.rawValue = 1 << list.bit }

    /// Whether `list` is in the set.
    public func contains(_ list: HarmList) -> Bool { rawValue & 1 << list.bit != 0 }

    /// The lists in the set, in list order.
    public var inListOrder: [HarmList] { HarmList.allCases.filter { contains($0) } }

    /// Every list that ranks `kind`.
    public static func all(of kind: EntityKind) -> ListSet {
        switch kind {
        case .suspect: allSuspectLists
        case .ward: allWardLists
        case .cell: allCellLists
        }
    }

    private static let allSuspectLists = ListSet(HarmList.lists(of: .suspect))
    private static let allWardLists = ListSet(HarmList.lists(of: .ward))
    private static let allCellLists = ListSet(HarmList.lists(of: .cell))

    private static let violentSubgroups: Set<Subgroup> = [
        .homicide, .violenceWithInjury, .violenceWithoutInjury, .rape, .otherSexual, .robberyPersonal,
    ]
    private static let weaponViolenceSubgroups: Set<Subgroup> = [.homicide, .violenceWithInjury, .violenceWithoutInjury]

    /// The rules of CONTRACT.md section 4, for an offence of `offence` with `flags`, restricted to the lists
    /// that rank `kind`. Cells count by the hotspot parameters' subgroups and need a point, so `CrimeRevision`
    /// decides those.
    public static func counting(_ offence: HarmOffence, flags: OffenceRecord.Flags, for kind: EntityKind) -> ListSet {
        var lists: [HarmList] = []
        switch kind {
        case .suspect:
            if offence.vawg || flags.contains(.domestic) { lists.append(.vawg100) }
            if violentSubgroups.contains(offence.subgroup) { lists.append(.violenceHarm) }
            if flags.contains(.domestic) { lists.append(.dauntless) }
        case .ward:
            if (weaponViolenceSubgroups.contains(offence.subgroup) && flags.contains(.weapon))
                || offence.subgroup == .robberyPersonal
            {
                lists.append(.stopSearchWards)
            }
        case .cell:
            break
        }
        return ListSet(lists)
    }
}
