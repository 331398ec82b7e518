/// The `forecast` list kept current (CONTRACT.md section 12): suspects with a VAWG offence in the window, ranked by
/// the expected VAWG harm the model predicts from their features, each prediction made again when the suspect's
/// score changes or their features move with the clock.
///
/// A suspect's features move with time alone at whole days after each of their offences (days since the last, the
/// 90-, 182- and 365-day sums, Dauntless+ recency), so each suspect waits in a timeline for the next such instant
/// and only the suspects it passes are predicted again: a day's clock move does not predict the whole population.
public struct LiveForecast: Sendable {
    /// One suspect's window, as the features read it.
    struct Suspect: Sendable {
        var offences: [SuspectOffence]
        var domesticVictims: Int
        /// When the suspect's features next move with time alone.
        var nextMark: Instant?
    }

    private let harmTable: HarmTable
    private var suspects: [String: Suspect] = [:]
    /// Suspects whose prediction is out of date.
    private var stale: Set<String> = []
    /// Whether a suspect left the list since the last refresh.
    private var removedSinceRefresh = false
    /// When each suspect's features next move: (instant, suspect), stale entries skipped.
    private var marks = MinHeap<RecordMark>()
    /// The suspects by expected harm, floored to hundredths of a day as every list score is.
    public private(set) var list = RankedList()
    /// The clock the list is as of.
    public private(set) var clock: Instant?

    /// An empty forecast, whose offence codes are read in `harmTable`.
    public init(harmTable: HarmTable) { self.harmTable = harmTable }

    /// Whether the list has changed, or will at the next refresh: a suspect's prediction waits to be made, or a
    /// suspect left it.
    public var hasChanges: Bool { !stale.isEmpty || removedSinceRefresh }

    /// Takes a suspect's latest complete score, or nil when they no longer have one.
    public mutating func update(_ id: String, score: EntityScore?) {
        guard let score, score.standing(in: .vawg100).map({ $0.score > 0 }) == true else {
            if suspects.removeValue(forKey: id) != nil {
                list.remove(id)
                removedSinceRefresh = true
            }
            stale.remove(id)
            return
        }
        suspects[id] = Suspect(
            offences: score.offences.map { Self.offence($0, harmTable: harmTable) },
            domesticVictims: score.standing(in: .dauntless)?.components?.victims ?? 0, nextMark: nil)
        stale.insert(id)
    }

    /// Moves the clock: suspects whose features moved with it wait to be predicted again.
    public mutating func advance(to clock: Instant) {
        guard self.clock.map({ clock > $0 }) ?? true else { return }
        self.clock = clock
        while let mark = marks.minimum, mark.at <= clock {
            _ = marks.removeMinimum()
            if suspects[mark.suspect]?.nextMark == mark.at { stale.insert(mark.suspect) }
        }
        if marks.count > 4 * max(suspects.count, 64) {
            marks.compact { suspects[$0.suspect]?.nextMark == $0.at }
        }
    }

    /// Predicts every stale suspect at the clock, in one call of `predictor`, and ranks them.
    public mutating func refresh(with predictor: some ForecastPredictor) throws {
        guard let clock else { return }
        guard !stale.isEmpty else {
            removedSinceRefresh = false
            return
        }
        let ids = stale.sorted { $0.precedesBytewise($1) }
        let harms = try predictor.expectedHarm(ids.map { features(of: $0, at: clock)! })
        for (id, harm) in zip(ids, harms) {
            let score = Harm(hundredths: Int64((max(0, harm) * 100).rounded(.down)))
            if score == .zero { list.remove(id) } else { list.update(id, score: score) }
            let mark = Self.nextMark(after: clock, of: suspects[id]!.offences)
            suspects[id]!.nextMark = mark
            if let mark { marks.insert(RecordMark(at: mark, suspect: id)) }
        }
        stale = []
        removedSinceRefresh = false
    }

    /// A suspect's features at `clock`, nil when they are not in the forecast's population.
    public func features(of id: String, at clock: Instant) -> [Double]? {
        suspects[id].map { ForecastFeatures.values(window: Self.window($0.offences, at: clock), domesticVictims: $0.domesticVictims, at: clock) }
    }

    /// The crimes in the window at `clock`: a score can hold a crime a moment past its expiry, until ScoreService's
    /// next score of the suspect.
    static func window(_ offences: [SuspectOffence], at clock: Instant) -> [SuspectOffence] {
        offences.filter { $0.occurredAt <= clock && clock.milliseconds - $0.occurredAt.milliseconds < Instant.days(ForecastFeatures.lookbackDays) }
    }

    /// A crime of a suspect's score as the features read it: reported by now, since RankService holds it.
    static func offence(_ offence: EntityScore.Offence, harmTable: HarmTable) -> SuspectOffence {
        SuspectOffence(
            crimeRef: offence.crimeRef, occurredAt: offence.occurredAt, reportedAt: offence.occurredAt,
            harm: Harm(hundredths: offence.harm),
            // A code the harm table no longer has (the table was replaced) still counts, under miscellaneous.
            subgroup: harmTable[offence.offenceCode]?.subgroup ?? .misc, vawg: offence.lists.contains(.vawg100),
            domestic: offence.lists.contains(.dauntless), violence: offence.lists.contains(.violenceHarm))
    }

    /// The first instant later than `clock` at which one of `offences` enters the window or is a whole number of
    /// days old: when the features next move.
    static func nextMark(after clock: Instant, of offences: [SuspectOffence]) -> Instant? {
        offences.filter { $0.occurredAt.milliseconds + Instant.days(ForecastFeatures.lookbackDays) > clock.milliseconds }
            .map { offence in
                guard offence.occurredAt <= clock else { return offence.occurredAt }
                let elapsed = clock.milliseconds - offence.occurredAt.milliseconds
                return offence.occurredAt + (elapsed / Instant.millisecondsPerDay + 1) * Instant.millisecondsPerDay
            }.min()
    }

    struct RecordMark: Comparable, Hashable, Sendable {
        let at: Instant
        let suspect: String
        static func < (a: RecordMark, b: RecordMark) -> Bool { a.at != b.at ? a.at < b.at : a.suspect.precedesBytewise(b.suspect) }
    }
}
