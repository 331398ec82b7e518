/// Whether a list leans on one part of London (CONTRACT.md section 11): per month and borough, how many of the
/// people (or wards) in each list's top N are there, their share of the list's score, and the borough's share of
/// the list's offences recorded in the window (whether or not anyone is suspected of them), so a reviewer can see where a list over- or under-represents an area
/// against what is recorded there. Worked out from crime records alone: no protected characteristic is used.
///
/// The lists are those the records' latest versions give at the end of each month, scored by the same core as the
/// services. A person belongs to the borough where most of their counting harm in the list was recorded (ties by
/// borough name; offences with no ward count as `unknown`), and their score is shared among boroughs in proportion
/// to that harm. A ward belongs to its borough.
public struct FairnessReport: Sendable {
    /// One borough in one list at one month's end.
    public struct Row: Sendable, Equatable {
        /// `YYYY-MM`.
        public let month: String
        public let list: HarmList
        /// The borough's name, or `unknown` for offences recorded without a ward.
        public let borough: String
        /// People (or wards) of the top N whose principal borough this is.
        public let entities: Int
        /// The borough's share of the top N's score, per ten thousand.
        public let scoreShare: Int
        /// The borough's share of the list's counting offences in the window, per ten thousand.
        public let offenceShare: Int
        /// Whether the score share departs from the offence share by more than the factor given.
        public let flagged: Bool

        /// Score share over offence share; nil when the borough has no offences.
        public var ratio: Double? { offenceShare == 0 ? nil : Double(scoreShare) / Double(offenceShare) }
    }

    /// The lists reported on: those of people and of wards.
    public static let lists: [HarmList] = [.vawg100, .violenceHarm, .dauntless, .stopSearchWards]
    /// The borough of offences recorded without a ward.
    public static let unknownBorough = "unknown"

    /// By month, then list in `lists` order, then borough name.
    public let rows: [Row]
    /// How many entities each list's top holds.
    public let size: Int
    /// A borough is flagged when its score share is above `factor` times its offence share, or below it divided
    /// by `factor`.
    public let factor: Double

    /// The report on `records` (valid versions, in any order: the latest version of each crime decides), for
    /// every month from the earliest record's to the latest's, with tops of `size` and flags beyond `factor`.
    /// `minimumOffenceShare` (per ten thousand) leaves boroughs with too few offences to judge unflagged.
    public init(
        records: some Sequence<OffenceRecord>, harmTable: HarmTable, wards: WardRegistry, size: Int = 100, factor: Double = 1.5,
        minimumOffenceShare: Int = 50
    ) {
        self.size = size
        self.factor = factor
        var latest: [String: OffenceRecord] = [:]
        for record in records where (latest[record.crimeRef]?.version ?? .min) < record.version { latest[record.crimeRef] = record }
        // Hotspot cells are no list of people or wards: no cell links.
        var noCells = HotspotParameters()
        noCells.subgroups = []
        let revision = CrimeRevision(harmTable: harmTable, hotspots: noCells)
        var byCrime: [String: (borough: String, occurredAt: Instant, lists: ListSet)] = [:]
        var links: [(EntityRef, CrimeLink)] = []
        for record in latest.values.sorted(by: { $0.crimeRef.precedesBytewise($1.crimeRef) }) {
            guard record.status == .recorded, let offence = record.offenceCode.flatMap({ harmTable[$0] }) else { continue }
            // What is recorded of a list's offences, whether or not anyone is suspected of it.
            let lists = ListSet.counting(offence, flags: record.flags, for: .suspect)
                .union(ListSet.counting(offence, flags: record.flags, for: .ward))
            guard !lists.isEmpty else { continue }
            byCrime[record.crimeRef] = (record.wardCode.flatMap { wards[$0]?.borough } ?? Self.unknownBorough, record.occurredAt, lists)
            links += revision.links(record).map { ($0.key, $0.value) }
        }
        guard let first = byCrime.values.map(\.occurredAt).min(), let last = byCrime.values.map(\.occurredAt).max() else {
            rows = []
            return
        }
        var windows = HarmWindows(clock: first - 1)
        for (entity, link) in links { windows.apply(.add(entity, link)) }
        var ranked: [HarmList: RankedList] = [:]
        var rows: [Row] = []
        var monthStart = first.monthStart()
        while monthStart <= last {
            let month = String(monthStart.rfc3339.prefix(7))
            monthStart = monthStart.monthStart(adding: 1)
            windows.advance(to: monthStart - 1)
            for change in windows.takeChanged() {
                for list in HarmList.lists(of: change.kind) where Self.lists.contains(list) {
                    ranked[list, default: RankedList()].update(change.id, score: windows.standing(of: change, in: list).score)
                }
            }
            for list in Self.lists {
                let top = ranked[list]?.entries(limit: size) ?? []
                var entities: [String: Int] = [:]
                var score: [String: Int64] = [:]
                for entry in top {
                    let entity = EntityRef(list.entity, entry.id)
                    var harmByBorough: [String: Int64] = [:]
                    if list.entity == .ward {
                        harmByBorough[wards[entry.id]?.borough ?? Self.unknownBorough] = entry.score.hundredths
                    } else {
                        for offence in windows.countingOffences(of: entity) where offence.lists.contains(list) {
                            harmByBorough[byCrime[offence.crimeRef]?.borough ?? Self.unknownBorough, default: 0] += offence.harm.hundredths
                        }
                    }
                    let total = max(1, harmByBorough.values.reduce(0, +))
                    let principal = harmByBorough.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key
                    if let principal { entities[principal, default: 0] += 1 }
                    for (borough, harm) in harmByBorough { score[borough, default: 0] += entry.score.hundredths * harm / total }
                }
                let windowStart = monthStart - 1 - HarmWindows.windowLength
                var offences: [String: Int] = [:]
                for crime in byCrime.values
                where crime.lists.contains(list) && crime.occurredAt > windowStart && crime.occurredAt < monthStart {
                    offences[crime.borough, default: 0] += 1
                }
                let scoreTotal = max(1, score.values.reduce(0, +))
                let offenceTotal = max(1, offences.values.reduce(0, +))
                for borough in Set(entities.keys).union(score.keys).union(offences.keys).sorted() {
                    let scoreShare = Int((score[borough] ?? 0) * 10_000 / scoreTotal)
                    let offenceShare = (offences[borough] ?? 0) * 10_000 / offenceTotal
                    let departs = Double(scoreShare) > factor * Double(offenceShare)
                        || Double(scoreShare) * factor < Double(offenceShare)
                    rows.append(
                        Row(
                            month: month, list: list, borough: borough, entities: entities[borough] ?? 0,
                            scoreShare: scoreShare, offenceShare: offenceShare,
                            flagged: departs && offenceShare >= minimumOffenceShare && borough != Self.unknownBorough))
                }
            }
        }
        self.rows = rows
    }
}
