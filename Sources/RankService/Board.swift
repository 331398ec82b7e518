import Shared
import Synchronization

/// Every ranked list and the latest score of every entity listed, shared by the partitions that feed it and the
/// routes that read it. Scores arrive per entity from ScoreService already computed; the board only orders them.
final class Board: Sendable {
    struct State {
        var lists: [HarmList: RankedList]
        var scores: [EntityRef: EntityScore] = [:]
        var clock: Instant?
        /// Lists changed since they were last published.
        var changed: Set<HarmList> = []
        /// The version of each list's last published snapshot.
        var versions: [HarmList: Int64] = [:]
    }

    let wards: WardRegistry
    let harmTable: HarmTable
    /// How many entries a list shows and publishes (CONTRACT.md section 4; `stop-search-wards` shows every ward).
    let size: Int
    private let state: Mutex<State>

    init(wards: WardRegistry, harmTable: HarmTable, size: Int) {
        self.wards = wards
        self.harmTable = harmTable
        self.size = size
        var lists = Dictionary(uniqueKeysWithValues: HarmList.allCases.map { ($0, RankedList()) })
        var wardList = RankedList(listsZeroScores: true)
        for ward in wards.wards { wardList.update(ward.code, score: .zero) }
        lists[.stopSearchWards] = wardList
        state = Mutex(State(lists: lists, changed: Set(HarmList.allCases)))
    }

    /// How many entries `list` shows: its size, or every ward.
    func shownSize(of list: HarmList) -> Int { list == .stopSearchWards ? wards.wards.count : size }

    /// Takes an entity's latest score (the caller has checked it is newer than the one held).
    func apply(_ score: EntityScore) {
        state.withLock { state in
            let isEmpty = score.offences.isEmpty && score.standings.allSatisfy { $0.score == 0 }
            state.scores[score.entity] = isEmpty ? nil : score
            for standing in score.standings {
                let before = state.lists[standing.list]!.score(of: score.id)
                let after = Harm(hundredths: standing.score)
                guard before != after, !(before == nil && after == .zero && standing.list != .stopSearchWards) else { continue }
                state.lists[standing.list]!.update(score.id, score: after)
                state.changed.insert(standing.list)
            }
            if state.clock.map({ score.clock > $0 }) ?? true { state.clock = score.clock }
        }
    }

    /// Forgets entities whose partition moved elsewhere (the lists of a single RankService are then incomplete
    /// until it is assigned again).
    func remove(_ entities: some Sequence<EntityRef>) {
        state.withLock { state in
            for entity in entities {
                state.scores[entity] = nil
                for list in HarmList.lists(of: entity.kind) {
                    if list == .stopSearchWards, wards[entity.id] != nil {
                        state.lists[list]!.update(entity.id, score: .zero)
                    } else {
                        state.lists[list]!.remove(entity.id)
                    }
                    state.changed.insert(list)
                }
            }
        }
    }

    func read<T, E: Error>(_ body: (State) throws(E) -> T) throws(E) -> T {
        try state.withLock { state throws(E) in try body(state) }
    }

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

    /// The entries `list` shows, and the clock they stand at.
    func top(of list: HarmList) -> ([RankedList.Entry], Instant?) {
        state.withLock { state in (state.lists[list]!.entries(limit: shownSize(of: list)), state.clock) }
    }
}
