/// The risk the `hotspots` list ranks cells by, kept current as records arrive and the clock moves, in one of the
/// two models that can be served:
///
/// - `promap`: the contract's ProMap with the grid's bandwidths (`ProspectiveHotspots`), exact against open_cp.
/// - `default`: near-repeat ProMap over the near-repeat range plus each cell's own records of the past 365 days,
///   each worth `Blend.backgroundWeight` of a record in the cell this week. The background plays the part of a
///   self-exciting model's background rate, which ProMap alone lacks. `harmrank evaluate-hotspots` judges this same
///   type, so the served model is the evaluated one.
///
/// Risk is exact in integers over `denominator`, like ProMap's.
public struct LiveHotspots: Sendable {
    /// The models that can rank the `hotspots` list.
    public enum Model: String, Sendable, CaseIterable {
        /// ProMap alone, with the grid's bandwidths.
        case promap
        /// Near-repeat ProMap plus each cell's background.
        case blend = "default"
    }

    /// What the `default` model weighs.
    public struct Blend: Sendable, Equatable {
        /// How far the ProMap term reaches: the near-repeat range, about 400 m for burglary (Bowers, Johnson & Pease
        /// 2004), as a distance bandwidth of 1 + ceil(metres / cell size) cells.
        public var nearRepeatMetres = 400
        /// What one record of the past 365 days in the cell itself adds, as a share of a record in the cell this
        /// week.
        public var backgroundWeight = 1.0

        /// The documented defaults.
        public init() {}

        /// The background looks back as far as every other list: the records a cell's score holds.
        public static let window = Instant.days(365)
    }

    /// The explanation of one cell's risk: its two terms and the records behind them.
    public struct CellRisk: Sendable, Equatable {
        /// One record's part in the cell's risk.
        public struct Contribution: Sendable, Equatable {
            /// The record's key, as given.
            public let key: String
            /// The cell the record lies in.
            public let cell: GridCell
            public let occurredAt: Instant
            /// Chebyshev distance in cells from the record's cell to the explained one.
            public let distance: Int
            /// Whole weeks from the record to the clock.
            public let weeks: Int
            /// Its near-repeat (ProMap) weight, over `denominator`.
            public let nearRepeat: Int64
            /// Its background weight, over `denominator`: only records in the cell itself have one.
            public let background: Int64
        }

        /// The ProMap term, over `denominator`.
        public let nearRepeat: Int64
        /// The background term, over `denominator`.
        public let background: Int64
        /// What one unit of risk is worth.
        public let denominator: Int64
        /// Every record that adds to the risk, largest part first, then by key.
        public let contributions: [Contribution]

        /// The cell's risk, over `denominator`.
        public var total: Int64 { nearRepeat + background }
    }

    public let model: Model
    /// The grid, bandwidths and counting subgroups as configured.
    public let parameters: HotspotParameters
    /// The `default` model's weights (unused by `promap`).
    public let blend: Blend
    private var nearRepeat: ProspectiveHotspots
    private var background: CellBackground?
    /// What one background record adds, over `denominator`.
    private let backgroundWeight: Int64

    /// No records yet, at `clock`.
    public init(
        model: Model, parameters: HotspotParameters, blend: Blend = Blend(), clock: Instant = Instant(milliseconds: .min / 2)
    ) {
        self.model = model
        self.parameters = parameters
        self.blend = blend
        switch model {
        case .promap:
            nearRepeat = ProspectiveHotspots(parameters: parameters, clock: clock)
            background = nil
            backgroundWeight = 0
        case .blend:
            var near = parameters
            let cells = (blend.nearRepeatMetres + parameters.cellSize - 1) / parameters.cellSize
            near.distanceBandwidth = min(HotspotParameters.bandwidths.upperBound, max(1, 1 + cells))
            nearRepeat = ProspectiveHotspots(parameters: near, clock: clock)
            background = CellBackground(window: Blend.window, clock: clock)
            backgroundWeight = Int64((blend.backgroundWeight * Double(nearRepeat.denominator)).rounded())
        }
    }

    /// What one unit of risk is worth: risk as a number is the integer risk over this.
    public var denominator: Int64 { nearRepeat.denominator }
    /// The ProMap term's bandwidths: the grid's for `promap`, the near-repeat range for `default`.
    public var nearRepeatParameters: HotspotParameters { nearRepeat.parameters }
    /// How far back a record can raise a cell's risk, in days.
    public var windowDays: Int {
        background == nil ? nearRepeat.parameters.timeBandwidth * 7 : Int(Blend.window / Instant.days(1))
    }
    /// How far from a cell, in cells, a record can raise its risk.
    public var reach: Int { nearRepeat.parameters.distanceBandwidth - 1 }
    /// The clock T risk is computed at.
    public var clock: Instant { nearRepeat.clock }

    /// Counts the record `key` in `cell`, replacing what an earlier call for the same key counted.
    public mutating func insert(_ key: String, cell: GridCell, occurredAt: Instant) {
        nearRepeat.insert(key, cell: cell, occurredAt: occurredAt)
        background?.insert(key, cell: cell, occurredAt: occurredAt)
    }

    /// The record no longer counts.
    public mutating func remove(_ key: String) {
        nearRepeat.remove(key)
        background?.remove(key)
    }

    /// Moves the clock forward (never back).
    public mutating func advance(to time: Instant) {
        nearRepeat.advance(to: time)
        background?.advance(to: time)
    }

    /// Every cell with risk above zero, with its risk: computed afresh.
    public func risks() -> [GridCell: Int64] {
        var risks = nearRepeat.risks()
        if let background {
            for (cell, count) in background.counts { risks[cell, default: 0] += count * backgroundWeight }
        }
        return risks
    }

    /// Whether a cell's risk may have changed since `takeChangedRisks` last ran.
    public var hasChangedRisks: Bool { nearRepeat.hasChangedRisks || background?.hasChangedCells == true }

    /// The cells whose risk changed since the last call, with their risk now (0: no longer at risk).
    public mutating func takeChangedRisks() -> [GridCell: Int64] {
        var changed = nearRepeat.takeChangedRisks()
        // Taken in place: a copy of the background would copy its set of changed cells on every read of the list.
        guard let moved = background?.takeChangedCells(), let background else { return changed }
        for cell in moved where changed[cell] == nil { changed[cell] = nearRepeat.spreadRisk(of: cell) }
        for cell in changed.keys { changed[cell]! += background.count(of: cell) * backgroundWeight }
        return changed
    }

    /// Why `cell` has the risk it has at the clock: the part of each of `records` (key, cell, occurredAt; pass at
    /// least every record within `reach` cells) that raises it. Their parts add up to the risk `risks` gives.
    public func explain(_ cell: GridCell, records: some Sequence<(key: String, cell: GridCell, occurredAt: Instant)>) -> CellRisk {
        let week = ProspectiveHotspots.week
        var contributions: [CellRisk.Contribution] = []
        for record in records {
            let age = clock.milliseconds - record.occurredAt.milliseconds
            let distance = record.cell.distance(to: cell)
            guard age >= 0, distance <= reach else { continue }
            let weeks = Int(min(age / week, Int64(Int32.max)))
            let near =
                weeks < nearRepeat.parameters.timeBandwidth
                ? nearRepeat.distanceWeights[distance] * nearRepeat.timeWeights[weeks] : 0
            let own =
                distance == 0 && background?.isCounting(occurredAt: record.occurredAt, at: clock) == true ? backgroundWeight : 0
            guard near + own > 0 else { continue }
            contributions.append(
                .init(
                    key: record.key, cell: record.cell, occurredAt: record.occurredAt, distance: distance, weeks: weeks,
                    nearRepeat: near, background: own))
        }
        contributions.sort { a, b in
            a.nearRepeat + a.background != b.nearRepeat + b.background
                ? a.nearRepeat + a.background > b.nearRepeat + b.background : a.key < b.key
        }
        return CellRisk(
            nearRepeat: contributions.reduce(0) { $0 + $1.nearRepeat }, background: contributions.reduce(0) { $0 + $1.background },
            denominator: denominator, contributions: contributions)
    }
}
