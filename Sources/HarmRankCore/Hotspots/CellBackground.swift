/// Each cell's count of records in a rolling window before the clock: the background term of the `default`
/// hotspot model (`LiveHotspots`). A record counts while occurredAt <= T < occurredAt + window, so a count changes
/// only when a record arrives, is withdrawn, comes of age or leaves the window (a timeline of those instants).
struct CellBackground: Sendable {
    /// The window's length in milliseconds.
    let window: Int64
    private(set) var clock: Instant
    private var records: [String: Entry] = [:]
    /// Per cell, its records in the window; cells with none are absent.
    private(set) var counts: [GridCell: Int64] = [:]
    private var timeline = MinHeap<RecordBoundary>()
    private var nextGeneration: UInt64 = 0
    /// Cells whose count changed since `takeChangedCells` last ran.
    private var changedCells: Set<GridCell> = []

    struct Entry: Sendable {
        let cell: GridCell
        let occurredAt: Instant
        let generation: UInt64
        var isCounting: Bool
    }

    init(window: Int64, clock: Instant) {
        self.window = window
        self.clock = clock
    }

    /// Records in the window in `cell`.
    func count(of cell: GridCell) -> Int64 { counts[cell] ?? 0 }

    /// Whether the record counts at the clock.
    func isCounting(occurredAt: Instant, at clock: Instant) -> Bool {
        occurredAt <= clock && clock.milliseconds < occurredAt.milliseconds + window
    }

    mutating func insert(_ key: String, cell: GridCell, occurredAt: Instant) {
        remove(key)
        nextGeneration += 1
        records[key] = Entry(cell: cell, occurredAt: occurredAt, generation: nextGeneration, isCounting: false)
        update(key)
    }

    mutating func remove(_ key: String) {
        guard let entry = records.removeValue(forKey: key) else { return }
        if entry.isCounting { add(entry.cell, -1) }
    }

    mutating func advance(to time: Instant) {
        guard time > clock else { return }
        clock = time
        while let boundary = timeline.removeDue(by: time) {
            if records[boundary.key]?.generation == boundary.generation { update(boundary.key) }
        }
        let records = self.records
        timeline.compact(holding: records.count) { records[$0.key]?.generation == $0.generation }
    }

    var hasChangedCells: Bool { !changedCells.isEmpty }

    mutating func takeChangedCells() -> Set<GridCell> {
        defer { changedCells.removeAll(keepingCapacity: true) }
        return changedCells
    }

    /// Brings one record in line with the clock and books when it next changes: coming of age, then leaving.
    private mutating func update(_ key: String) {
        guard var entry = records[key] else { return }
        let counting = isCounting(occurredAt: entry.occurredAt, at: clock)
        if counting != entry.isCounting {
            add(entry.cell, counting ? 1 : -1)
            entry.isCounting = counting
            records[key] = entry
        }
        let next: Int64? =
            if entry.occurredAt > clock {
                entry.occurredAt.milliseconds
            } else if counting {
                entry.occurredAt.milliseconds + window
            } else {
                nil
            }
        if let next { timeline.insert(RecordBoundary(at: next, key: key, generation: entry.generation)) }
    }

    private mutating func add(_ cell: GridCell, _ delta: Int64) {
        let total = counts[cell, default: 0] + delta
        counts[cell] = total == 0 ? nil : total
        changedCells.insert(cell)
    }
}
