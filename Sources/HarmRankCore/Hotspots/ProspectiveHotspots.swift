/// Prospective hotspot risk (ProMap; CONTRACT.md section 6), kept current as records arrive and the clock moves:
///
///     risk(cell, T) = sum over records with occurredAt <= T, d < D, t < W of 1 / ((1 + d)(1 + t))
///
/// with d the Chebyshev distance in cells and t = floor((T - occurredAt) / 7 days).
///
/// The risk factorises into a time weight per record and a distance weight per pair of cells, so the model keeps
/// one running sum per cell that holds records, the sum of its records' time weights, and changes it only when a
/// record arrives, is withdrawn, or crosses one of its own week boundaries (a timeline of those instants). A cell's
/// risk is the distance-weighted sum of the (2D - 1)^2 sums around it (`risks` adds them all up); for a ranking
/// kept current, `takeChangedRisks` spreads each changed sum's net change to the cells around it, once per call
/// however often the sum moved in between. Nothing is recomputed per record.
///
/// Risk is exact: every weight is an integer over the common denominator lcm(1...D) times lcm(1...W), so sums
/// never drift and equal risks compare equal.
public struct ProspectiveHotspots: Sendable {
    /// The time unit of the weights: t counts whole weeks.
    public static let week = Instant.days(7)

    /// Grid, bandwidths and counting subgroups.
    public let parameters: HotspotParameters
    /// `distanceWeights[d]` is lcm(1...D) / (1 + d).
    let distanceWeights: [Int64]
    /// `timeWeights[t]` is lcm(1...W) / (1 + t).
    let timeWeights: [Int64]
    /// What one unit of risk is worth: risk as a number is the integer risk over this.
    public let denominator: Int64

    /// The clock T risk is computed at.
    public private(set) var clock: Instant
    private var records: [String: Located] = [:]
    /// Per cell holding records: the sum of their current time weights.
    private var sourceWeights: [GridCell: Int64] = [:]
    private var timeline = MinHeap<RecordBoundary>()
    private var nextGeneration: UInt64 = 0
    /// Cells whose sum changed since `takeChangedRisks` last ran.
    private var changedSources: Set<GridCell> = []
    /// The sums and risks as `takeChangedRisks` last left them.
    private var spreadSourceWeights: [GridCell: Int64] = [:]
    private var spreadRisks: [GridCell: Int64] = [:]

    struct Located: Sendable {
        let cell: GridCell
        let occurredAt: Instant
        let generation: UInt64
        /// Index into `timeWeights`, or nil while the record lies ahead of the clock or after it has aged out.
        var weightIndex: Int?
    }

    /// No records yet, at `clock`.
    public init(parameters: HotspotParameters, clock: Instant = Instant(milliseconds: .min / 2)) {
        self.parameters = parameters
        let distanceScale = leastCommonMultiple(upTo: parameters.distanceBandwidth)
        let timeScale = leastCommonMultiple(upTo: parameters.timeBandwidth)
        distanceWeights = (0..<parameters.distanceBandwidth).map { distanceScale / Int64($0 + 1) }
        timeWeights = (0..<parameters.timeBandwidth).map { timeScale / Int64($0 + 1) }
        denominator = distanceScale * timeScale
        self.clock = clock
    }

    /// Records held, counting or not yet.
    public var recordCount: Int { records.count }

    /// Counts the record `key` in `cell`, replacing what an earlier call for the same key counted.
    public mutating func insert(_ key: String, cell: GridCell, occurredAt: Instant) {
        remove(key)
        nextGeneration += 1
        records[key] = Located(cell: cell, occurredAt: occurredAt, generation: nextGeneration, weightIndex: nil)
        update(key)
    }

    /// The record no longer counts (cancelled, reclassified, moved).
    public mutating func remove(_ key: String) {
        guard let record = records.removeValue(forKey: key) else { return }
        if let index = record.weightIndex { addToSource(record.cell, -timeWeights[index]) }
    }

    /// Moves the clock forward (never back) and applies every week boundary crossed on the way.
    public mutating func advance(to time: Instant) {
        guard time > clock else { return }
        clock = time
        while let boundary = timeline.removeDue(by: time) {
            if records[boundary.key]?.generation == boundary.generation { update(boundary.key) }
        }
        let records = self.records
        timeline.compact(holding: records.count) { records[$0.key]?.generation == $0.generation }
    }

    /// Every cell with risk above zero, with its risk: one pass over the cells holding records.
    public func risks() -> [GridCell: Int64] {
        let reach = parameters.distanceBandwidth - 1
        var risks: [GridCell: Int64] = [:]
        for (source, weight) in sourceWeights {
            for dx in -reach...reach {
                for dy in -reach...reach {
                    let cell = GridCell(x: source.x + Int32(dx), y: source.y + Int32(dy))
                    risks[cell, default: 0] += weight * distanceWeights[max(abs(dx), abs(dy))]
                }
            }
        }
        return risks
    }

    /// The cell's risk as `takeChangedRisks` last left it.
    public func spreadRisk(of cell: GridCell) -> Int64 { spreadRisks[cell] ?? 0 }

    /// Whether a cell's risk may have changed since `takeChangedRisks` last ran.
    public var hasChangedRisks: Bool { !changedSources.isEmpty }

    /// The cells whose risk changed since the last call, with their risk now (0: no longer at risk).
    public mutating func takeChangedRisks() -> [GridCell: Int64] {
        let reach = parameters.distanceBandwidth - 1
        var changed: [GridCell: Int64] = [:]
        for source in changedSources {
            let weight = sourceWeights[source] ?? 0
            let delta = weight - (spreadSourceWeights[source] ?? 0)
            spreadSourceWeights[source] = weight == 0 ? nil : weight
            guard delta != 0 else { continue }
            for dx in -reach...reach {
                for dy in -reach...reach {
                    let cell = GridCell(x: source.x + Int32(dx), y: source.y + Int32(dy))
                    let risk = (spreadRisks[cell] ?? 0) + delta * distanceWeights[max(abs(dx), abs(dy))]
                    spreadRisks[cell] = risk == 0 ? nil : risk
                    changed[cell] = risk
                }
            }
        }
        changedSources.removeAll(keepingCapacity: true)
        return changed
    }

    /// Brings one record's weight in line with the clock and books its next boundary.
    private mutating func update(_ key: String) {
        guard var record = records[key] else { return }
        let age = clock.milliseconds - record.occurredAt.milliseconds
        let index: Int? = age < 0 ? nil : Int(min(age / Self.week, Int64(parameters.timeBandwidth)))
        let weightIndex = index.flatMap { $0 < parameters.timeBandwidth ? $0 : nil }
        if weightIndex != record.weightIndex {
            let before = record.weightIndex.map { timeWeights[$0] } ?? 0
            let after = weightIndex.map { timeWeights[$0] } ?? 0
            addToSource(record.cell, after - before)
            record.weightIndex = weightIndex
            records[key] = record
        }
        let next: Int64? =
            if let index {
                index < parameters.timeBandwidth ? record.occurredAt.milliseconds + Int64(index + 1) * Self.week : nil
            } else {
                record.occurredAt.milliseconds
            }
        if let next { timeline.insert(RecordBoundary(at: next, key: key, generation: record.generation)) }
    }

    private mutating func addToSource(_ cell: GridCell, _ delta: Int64) {
        guard delta != 0 else { return }
        let total = sourceWeights[cell, default: 0] + delta
        sourceWeights[cell] = total == 0 ? nil : total
        changedSources.insert(cell)
    }
}

/// lcm(1, 2, ..., n).
func leastCommonMultiple(upTo n: Int) -> Int64 {
    func gcd(_ a: Int64, _ b: Int64) -> Int64 { b == 0 ? a : gcd(b, a % b) }
    return (1...max(1, n)).reduce(Int64(1)) { result, k in result / gcd(result, Int64(k)) * Int64(k) }
}
