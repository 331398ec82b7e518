import HarmRankForecast
import Logging
import Shared
import Synchronization

/// Every ranked list and the latest score of every entity listed, shared by the partitions that feed it and the
/// routes that read it. Scores arrive per entity from ScoreService already computed; the board only orders them.
/// The exception is `hotspots`: a cell's risk depends on the cells around it, which other partitions score, so
/// the board feeds each cell's counting crimes into one `LiveHotspots` model and ranks its risks when the
/// list is next read: a backfill applies many batches between two reads, and spreading each batch's changes to the
/// cells around them was an eighth of RankService's work. `forecast` is the other: with a model configured, the
/// board feeds every suspect's score into one `LiveForecast` and predicts the suspects it marks when the list is next
/// read.
final class Board: Sendable {
    struct State {
        var lists: [HarmList: RankedList]
        var scores: [EntityRef: EntityScore] = [:]
        var clock: Instant?
        /// Lists changed since they were last published.
        var changed: Set<HarmList> = []
        /// The version of each list's last published snapshot.
        var versions: [HarmList: Int64] = [:]
        /// Fed with each cell's counting crimes, as the cells' scores in `scores` give them.
        var hotspots: LiveHotspots
        /// Fed with every suspect's score, when a forecast model is configured.
        var forecast: LiveForecast?
    }

    let wards: WardRegistry
    let harmTable: HarmTable
    /// How many entries a list shows and publishes (CONTRACT.md section 4; `stop-search-wards` shows every ward).
    let size: Int
    let hotspotParameters: HotspotParameters
    /// How far back a crime can raise a cell's risk in the served model.
    let hotspotWindowDays: Int
    /// In event-clock mode the hotspot and forecast clocks follow the scores' clock; in wall-clock mode they follow
    /// time (`advanceClock`), since risk decays weekly and forecast features move daily whether or not anything is
    /// scored.
    let clockMode: ClockMode
    /// The forecast model, if one is configured: the `forecast` list exists only then.
    let forecastModel: ForecastModel?
    /// The lists the board keeps, in list order: every list scored from crimes, and `forecast` with a model.
    let lists: [HarmList]
    private let logger: Logger
    private let state: Mutex<State>

    init(
        wards: WardRegistry, harmTable: HarmTable, size: Int, hotspots: LiveHotspots, forecast: ForecastModel? = nil,
        clockMode: ClockMode, logger: Logger = Logger(label: "RankService.board")
    ) {
        self.wards = wards
        self.harmTable = harmTable
        self.size = size
        self.hotspotParameters = hotspots.parameters
        self.hotspotWindowDays = hotspots.windowDays
        self.clockMode = clockMode
        self.forecastModel = forecast
        self.logger = logger
        self.lists = HarmList.allCases.filter { $0.isScoredFromCrimes || forecast != nil }
        var lists = Dictionary(uniqueKeysWithValues: self.lists.map { ($0, RankedList()) })
        var wardList = RankedList(listsZeroScores: true)
        for ward in wards.wards { wardList.update(ward.code, score: .zero) }
        lists[.stopSearchWards] = wardList
        state = Mutex(
            State(
                lists: lists, changed: Set(self.lists), hotspots: hotspots,
                forecast: forecast.map { _ in LiveForecast(harmTable: harmTable) }))
    }

    /// How many entries `list` shows: its size, or every ward.
    func shownSize(of list: HarmList) -> Int { list == .stopSearchWards ? wards.wards.count : size }

    /// The complete score held for `entity`, if it has one.
    func score(of entity: EntityRef) -> EntityScore? { state.withLock { $0.scores[entity] } }

    /// Takes entities' latest complete scores (the caller has checked each is newer than the one held), a batch
    /// under one lock.
    func apply(_ scores: some Sequence<EntityScore>) {
        state.withLock { state in
            for score in scores { apply(score, to: &state) }
            if clockMode == .event, let clock = state.clock {
                state.hotspots.advance(to: clock)
                state.forecast?.advance(to: clock)
            }
            noteHotspotChanges(in: &state)
        }
    }

    private func apply(_ score: EntityScore, to state: inout State) {
        let isEmpty = score.offences.isEmpty && score.standings.allSatisfy { $0.score == 0 }
        let previous = state.scores[score.entity]
        state.scores[score.entity] = isEmpty ? nil : score
        if score.kind == .cell { recountCell(score.id, from: previous, to: score, in: &state) }
        if score.kind == .suspect { state.forecast?.update(score.id, score: isEmpty ? nil : score) }
        for standing in score.standings where standing.list != .hotspots {
            let before = state.lists[standing.list]!.score(of: score.id)
            let after = Harm(hundredths: standing.score)
            guard before != after, !(before == nil && after == .zero && standing.list != .stopSearchWards) else { continue }
            state.lists[standing.list]!.update(score.id, score: after)
            state.changed.insert(standing.list)
        }
        if state.clock.map({ score.clock > $0 }) ?? true { state.clock = score.clock }
    }

    /// Moves the clock of what changes with time alone, hotspot risk and forecast features (wall-clock mode).
    func advanceClock(to clock: Instant) {
        state.withLock { state in
            state.hotspots.advance(to: clock)
            state.forecast?.advance(to: clock)
            noteHotspotChanges(in: &state)
        }
    }

    /// Moves the hotspot model from a cell's previous counting crimes to its current ones.
    private func recountCell(_ cell: String, from previous: EntityScore?, to current: EntityScore?, in state: inout State) {
        func crimes(_ score: EntityScore?) -> [String: Instant] {
            Dictionary((score?.offences ?? []).map { ($0.crimeRef, $0.occurredAt) }) { first, _ in first }
        }
        let (before, crimes) = (crimes(previous), crimes(current))
        guard let location = hotspotParameters.cell(id: cell) else { return }
        // Keyed by cell and crime: a crime moved to another cell is added there and retracted here, in either order.
        for crimeRef in before.keys where crimes[crimeRef] == nil { state.hotspots.remove("\(cell)|\(crimeRef)") }
        for (crimeRef, occurredAt) in crimes where before[crimeRef] != occurredAt {
            state.hotspots.insert("\(cell)|\(crimeRef)", cell: location, occurredAt: occurredAt)
        }
    }

    /// The hotspot list counts as changed while cells wait to be ranked; the publisher then reads it and finds
    /// whether its entries moved.
    private func noteHotspotChanges(in state: inout State) {
        if state.hotspots.hasChangedRisks { state.changed.insert(.hotspots) }
        if state.forecast?.hasChanges == true { state.changed.insert(.forecast) }
    }

    /// Predicts the suspects whose forecast is out of date, in one batch, and brings the `forecast` list up to them.
    private func predictStaleSuspects(in state: inout State) {
        guard let model = forecastModel, state.forecast?.hasChanges == true else { return }
        do {
            try state.forecast!.refresh(with: model)
            state.lists[.forecast] = state.forecast!.list
        } catch {
            // XGBoost fails here only when it cannot allocate; the suspects stay marked, to be predicted at the next
            // read, and the list keeps their previous predictions meanwhile.
            logger.error("forecast: predicting \(error); the forecast list holds earlier predictions until it succeeds")
        }
    }

    /// Brings the hotspot list up to the model, before anything reads the lists. A cell's score in the list is its
    /// risk floored to hundredths, the precision every list score has.
    private func rankChangedCells(in state: inout State) {
        guard state.hotspots.hasChangedRisks else { return }
        let denominator = state.hotspots.denominator
        for (cell, risk) in state.hotspots.takeChangedRisks() {
            let id = hotspotParameters.id(of: cell)
            let score = Harm(hundredths: risk * 100 / denominator)
            guard state.lists[.hotspots]!.score(of: id) ?? .zero != score else { continue }
            state.lists[.hotspots]!.update(id, score: score)
        }
    }

    /// Forgets entities whose partition moved elsewhere (the lists of a single RankService are then incomplete
    /// until it is assigned again).
    func remove(_ entities: some Sequence<EntityRef>) {
        state.withLock { state in
            for entity in entities {
                let previous = state.scores.removeValue(forKey: entity)
                if entity.kind == .cell {
                    recountCell(entity.id, from: previous, to: nil, in: &state)
                    continue
                }
                if entity.kind == .suspect { state.forecast?.update(entity.id, score: nil) }
                for list in HarmList.lists(of: entity.kind) {
                    if list == .stopSearchWards, wards[entity.id] != nil {
                        state.lists[list]!.update(entity.id, score: .zero)
                    } else {
                        state.lists[list]!.remove(entity.id)
                    }
                    state.changed.insert(list)
                }
            }
            noteHotspotChanges(in: &state)
        }
    }

    func read<T, E: Error>(_ body: (State) throws(E) -> T) throws(E) -> T {
        try state.withLock { state throws(E) in
            rankChangedCells(in: &state)
            predictStaleSuspects(in: &state)
            return try body(state)
        }
    }

    /// The latest clock of the scores applied (without ranking the hotspot cells, as `read` would).
    var clock: Instant? { state.withLock { $0.clock } }

    /// The clock T now, which a list read or published now is as of (CONTRACT.md section 4): the wall clock's time,
    /// or on the event clock the latest clock of the scores applied, which is as far as RankService knows T.
    func asOf(_ state: State) -> Instant? { clockMode == .wall ? .now : state.clock }

    func setPublishedVersion(_ version: Int64, of list: HarmList) {
        state.withLock { $0.versions[list] = version }
    }

    /// The lists changed since the last call.
    func takeChangedLists() -> Set<HarmList> {
        state.withLock { state in
            defer { state.changed = [] }
            return state.changed
        }
    }

    /// The entries `list` shows, the clock T they are as of, and how long bringing them into order took (without
    /// the wait for the lock, which is the partitions' work, not the ranking's).
    func top(of list: HarmList) -> (entries: [RankedList.Entry], asOf: Instant?, took: Duration) {
        state.withLock { state in
            let started = ContinuousClock.now
            if list == .hotspots { rankChangedCells(in: &state) }
            if list == .forecast { predictStaleSuspects(in: &state) }
            let entries = state.lists[list]!.entries(limit: shownSize(of: list))
            return (entries, asOf(state), started.duration(to: .now))
        }
    }
}
