/// Rolling-origin evaluation of hotspot models (CONTRACT.md section 6): each test period is predicted at its first
/// instant from every earlier record, the top-ranked cells covering 1%, 5% and 10% of the study area are flagged,
/// and the hit rate (share of the period's records inside them) and PAI (hit rate over area share) are averaged
/// over the periods.
public struct HotspotEvaluation: Sendable {
    /// A counting record with a place: what every model sees.
    public struct Record: Sendable {
        /// The crime's reference, which tells its versions apart from other crimes.
        public let key: String
        /// Where it occurred, on the British National Grid.
        public let point: GridPoint
        /// When it occurred.
        public let occurredAt: Instant

        /// A record of crime `key` at `point` and `occurredAt`.
        public init(key: String, point: GridPoint, occurredAt: Instant) {
            self.key = key
            self.point = point
            self.occurredAt = occurredAt
        }
    }

    /// The records a hotspot model counts, out of offence records in any order: the latest version of each
    /// crime, unless cancelled, with a point and an offence of a counting subgroup.
    public static func records(latestOf offences: some Sequence<OffenceRecord>, harmTable: HarmTable, parameters: HotspotParameters) -> [Record] {
        // Every crime's latest version decides, but only a counting one is kept whole.
        var latest: [String: (version: Int64, counting: OffenceRecord?)] = [:]
        latest.reserveCapacity(offences.underestimatedCount)
        for offence in offences where (latest[offence.crimeRef]?.version ?? .min) < offence.version {
            let counts = offence.status == .recorded && offence.location != nil
                && offence.offenceCode.flatMap { harmTable[$0] }.map { parameters.subgroups.contains($0.subgroup) } == true
            latest[offence.crimeRef] = (offence.version, counts ? offence : nil)
        }
        return latest.values.compactMap { entry in
            guard let offence = entry.counting, let location = offence.location else { return nil }
            return Record(
                key: offence.crimeRef, point: BritishNationalGrid.project(latitude: location.latitude, longitude: location.longitude),
                occurredAt: offence.occurredAt)
        }
    }

    /// A way of ranking cells; every model is evaluated the same way.
    public enum Model: String, Sendable, CaseIterable {
        /// Near-repeat ProMap plus the cell's crimes of the past 365 days: `LiveHotspots`' `default`, as the
        /// `hotspots` list serves it (`Options.blend`).
        case blend = "default"
        /// Near-repeat ProMap alone, with the grid's bandwidths.
        case promap
        /// The cell's count in the 12 calendar months before the prediction.
        case baseline
        /// PredPol's self-exciting point process (`SelfExcitingPointProcess`), fitted on the records before each
        /// test period.
        case sepp
        /// A kernel density estimate of the year before, its bandwidth chosen on the month before
        /// (`KernelDensityHotspots`).
        case kde
    }

    /// How the evaluation runs and what the default model weighs.
    public struct Options: Sendable {
        /// The grid, bandwidths and counting subgroups.
        public var parameters = HotspotParameters()
        /// What the default model weighs: the `hotspots` list's `default` model, evaluated as it is served.
        public var blend = LiveHotspots.Blend()
        /// The last whole calendar months of the data, each predicted in turn.
        public var testMonths = 3
        /// The shares of the study area flagged, each scored.
        public var coverages: [Double] = [0.01, 0.05, 0.10]
        /// The models evaluated.
        public var models = Set(Model.allCases)
        /// How far back and away the SEPP looks for a crime's trigger; near repeats of burglary lie within weeks
        /// and a few hundred metres.
        public var seppCutoffs = SelfExcitingPointProcess.Cutoffs(time: 120, distance: 1_000)
        /// The most EM iterations a SEPP fit takes.
        public var seppIterations = 50
        /// The bootstrap of the averaged hit rates (0 samples: none).
        public var bootstrap = HotspotBootstrap()

        /// The contract's defaults.
        public init() {}
    }

    /// How well one model did at one coverage.
    public struct Score: Sendable, Equatable {
        /// The share of the study area flagged.
        public let coverage: Double
        /// The cells flagged: the top-ranked, ties broken by cell coordinates.
        public let flaggedCells: Int
        /// The share of the test period's records inside the flagged cells.
        public let hitRate: Double
        /// The predictive accuracy index: hit rate over coverage.
        public let pai: Double
        /// In averages: the hit rate's 95% interval by the bootstrap over the test records.
        public var hitRateInterval: HotspotBootstrap.Interval? = nil
        /// In averages: the 95% interval of the hit rate less the baseline's, on the same resamples; above zero
        /// the model is better than the baseline at this coverage, below it worse, across it not shown to differ.
        public var versusBaseline: HotspotBootstrap.Interval? = nil
    }

    /// One test period, predicted at its first instant.
    public struct Period: Sendable {
        /// The period's first instant.
        public let start: Instant
        /// The instant after it.
        public let end: Instant
        /// Records before `start`, which the models saw.
        public let trainingRecords: Int
        /// Records within the period, which they were scored on.
        public let testRecords: Int
        /// Per model, one score per coverage.
        public let scores: [Model: [Score]]
        /// For each test record (in time order), for each model evaluated (in `Model.allCases` order) and each
        /// coverage, whether its cell was flagged: what the bootstrap resamples.
        let flags: [[Bool]]
        /// The SEPP's fit on the records before `start`, when that model was evaluated.
        public let sepp: SelfExcitingPointProcess.Fit?
        /// The KDE's bandwidth in metres, chosen on the month before, when that model was evaluated.
        public let kdeBandwidth: Double?
    }

    /// An evaluation's outcome, period by period and averaged.
    public struct Result: Sendable {
        /// The counting records with a place.
        public let records: Int
        /// The study area: cells holding at least one counting record anywhere in the data.
        public let activeCells: Int
        /// Every record sits on the first instant of a month (police.uk).
        public let monthly: Bool
        /// The test periods, oldest first.
        public let periods: [Period]
        /// Per model, per coverage: hit rate and PAI averaged over the periods.
        public let averages: [Model: [Score]]
        /// Per model, the time its predictions took over all periods (fitting included); ProMap's and the
        /// default's share one pass of inserting the records.
        public let durations: [Model: Duration]
    }

    /// Why an evaluation could not run.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        /// The data spans too few months for the test periods asked for.
        case tooFewMonths(String)
        /// A parameter is out of range.
        case parameters(String)

        /// What is wrong and how to mend it.
        public var description: String {
            switch self {
            case .tooFewMonths(let detail), .parameters(let detail): detail
            }
        }
    }

    /// How it runs.
    public let options: Options

    /// An evaluation with `options`.
    public init(options: Options) { self.options = options }

    /// Predicts each test period from every earlier record and scores every model.
    public func run(_ records: [Record]) throws(Problem) -> Result {
        if let problem = options.parameters.problem { throw .parameters(problem) }
        let records = records.sorted { $0.occurredAt != $1.occurredAt ? $0.occurredAt < $1.occurredAt : $0.key.precedesBytewise($1.key) }
        let periods = try testPeriods(records)
        let cells = records.map { options.parameters.cell(of: $0.point) }
        let activeCells = Set(cells).sorted()

        var model = ProspectiveHotspots(parameters: options.parameters)
        var blendModel = LiveHotspots(model: .blend, parameters: options.parameters, blend: options.blend)
        var inserted = 0
        var results: [Period] = []
        var durations: [Model: Duration] = [:]
        let clock = ContinuousClock()
        for start in periods {
            let end = start.monthStart(adding: 1)
            while inserted < records.count, records[inserted].occurredAt < start {
                model.insert(records[inserted].key, cell: cells[inserted], occurredAt: records[inserted].occurredAt)
                blendModel.insert(records[inserted].key, cell: cells[inserted], occurredAt: records[inserted].occurredAt)
                inserted += 1
            }
            var started = clock.now
            model.advance(to: start)
            let promap = model.risks()
            durations[.promap, default: .zero] += started.duration(to: clock.now)
            started = clock.now
            blendModel.advance(to: start)
            let blend = blendModel.risks()
            durations[.blend, default: .zero] += started.duration(to: clock.now)
            var counts: [GridCell: Int64] = [:]
            let yearBefore = start.monthStart(adding: -12)
            for index in 0..<inserted where records[index].occurredAt >= yearBefore { counts[cells[index], default: 0] += 1 }

            var tested: [GridCell: Int] = [:]
            var testCells: [GridCell] = []
            for index in inserted..<records.count where records[index].occurredAt < end {
                tested[cells[index], default: 0] += 1
                testCells.append(cells[index])
            }
            let testRecords = testCells.count
            var scoresByModel: [Model: [GridCell: Int64]] = [.blend: blend, .promap: promap, .baseline: counts]
            var sepp: SelfExcitingPointProcess.Fit?
            if options.models.contains(.sepp) {
                started = clock.now
                defer { durations[.sepp, default: .zero] += started.duration(to: clock.now) }
                let (fit, risks) = seppRisks(
                    records[..<inserted], cells: cells, at: start, activeCells: activeCells, from: results.last?.sepp?.parameters)
                sepp = fit
                scoresByModel[.sepp] = risks
            }
            var kdeBandwidth: Double?
            if options.models.contains(.kde) {
                started = clock.now
                defer { durations[.kde, default: .zero] += started.duration(to: clock.now) }
                let (bandwidth, risks) = kdeRisks(records, cells: cells, at: start, activeCells: activeCells)
                kdeBandwidth = bandwidth
                scoresByModel[.kde] = risks
            }
            let evaluated = Model.allCases.filter { options.models.contains($0) }
            let rankings = Dictionary(uniqueKeysWithValues: evaluated.map { ($0, ranking(activeCells, by: scoresByModel[$0]!)) })
            let flaggedSets = evaluated.flatMap { model in
                options.coverages.map { Set(rankings[model]!.prefix(Self.flaggedCells(coverage: $0, of: activeCells.count))) }
            }
            results.append(
                Period(
                    start: start, end: end, trainingRecords: inserted, testRecords: testRecords,
                    scores: rankings.mapValues { score($0, tested: tested, total: testRecords) },
                    flags: testCells.map { cell in flaggedSets.map { $0.contains(cell) } },
                    sepp: sepp, kdeBandwidth: kdeBandwidth))
        }
        var averages: [Model: [Score]] = [:]
        let evaluated = Model.allCases.filter { options.models.contains($0) }
        let coverages = options.coverages.count
        let baseline = evaluated.firstIndex(of: .baseline) ?? 0
        var intervals: (hitRates: [HotspotBootstrap.Interval], differences: [HotspotBootstrap.Interval])?
        if options.bootstrap.samples > 0 {
            // Each coverage is compared with the baseline at the same coverage: one resampling per coverage.
            var hitRates: [HotspotBootstrap.Interval] = [], differences: [HotspotBootstrap.Interval] = []
            var byColumn: [Int: (HotspotBootstrap.Interval, HotspotBootstrap.Interval)] = [:]
            for coverage in 0..<coverages {
                let columns = evaluated.indices.map { $0 * coverages + coverage }
                let found = options.bootstrap.intervals(
                    hits: results.map { $0.flags.map { flags in columns.map { flags[$0] } } }, rankings: columns.count,
                    reference: baseline)
                for (position, column) in columns.enumerated() { byColumn[column] = (found.hitRates[position], found.differences[position]) }
            }
            for column in 0..<(evaluated.count * coverages) {
                hitRates.append(byColumn[column]!.0)
                differences.append(byColumn[column]!.1)
            }
            intervals = (hitRates, differences)
        }
        for (position, model) in evaluated.enumerated() {
            averages[model] = options.coverages.indices.map { index in
                let scores = results.map { $0.scores[model]![index] }
                var score = Score(
                    coverage: options.coverages[index], flaggedCells: scores[0].flaggedCells,
                    hitRate: scores.map(\.hitRate).reduce(0, +) / Double(scores.count),
                    pai: scores.map(\.pai).reduce(0, +) / Double(scores.count))
                score.hitRateInterval = intervals?.hitRates[position * coverages + index]
                score.versusBaseline = model == .baseline ? nil : intervals?.differences[position * coverages + index]
                return score
            }
        }
        return Result(
            records: records.count, activeCells: activeCells.count, monthly: Self.isMonthly(records), periods: results,
            averages: averages, durations: durations.filter { options.models.contains($0.key) })
    }

    /// The SEPP fitted on `training` (times in days from its first record) and each active cell's expected crimes a
    /// day at `start`, as integers (in 10⁻¹² crimes a day) so that every model is ranked the same way. The fit
    /// starts from the previous period's, whose training records are most of this one's, so it needs fewer steps.
    func seppRisks(
        _ training: ArraySlice<Record>, cells: [GridCell], at start: Instant, activeCells: [GridCell],
        from previous: SelfExcitingPointProcess.Parameters?
    ) -> (SelfExcitingPointProcess.Fit, [GridCell: Int64]) {
        let origin = training.first?.occurredAt ?? start
        func days(_ instant: Instant) -> Double { Double(instant.milliseconds - origin.milliseconds) / 86_400_000 }
        let events = training.indices.map { index in
            SelfExcitingPointProcess.Event(
                time: days(training[index].occurredAt), x: training[index].point.easting, y: training[index].point.northing,
                cell: cells[index])
        }
        let model = SelfExcitingPointProcess(
            events: events, window: max(days(start), 1), cellSize: options.parameters.cellSize, cutoffs: options.seppCutoffs)
        let initial = previous.map { previous in
            var parameters = model.initialParameters()
            // Cells new to this period keep their starting rate; the others take up where the last fit ended.
            parameters.background.merge(previous.background) { _, fitted in fitted }
            (parameters.theta, parameters.omega, parameters.sigma) = (previous.theta, previous.omega, previous.sigma)
            return parameters
        }
        let fit = model.fit(from: initial, iterations: options.seppIterations)
        let risks = SelfExcitingPointProcess.risks(
            fit.parameters, events: model.events, at: days(start), cells: activeCells, cellSize: options.parameters.cellSize,
            cutoffs: options.seppCutoffs)
        return (fit, risks.mapValues { Int64(($0 * 1e12).rounded()) })
    }

    /// The KDE's bandwidth for a prediction at `start`, chosen by predicting the month before from the year before
    /// it, and its risks at `start` from the year before `start`.
    func kdeRisks(
        _ records: [Record], cells: [GridCell], at start: Instant, activeCells: [GridCell]
    ) -> (Double, [GridCell: Int64]) {
        func counts(from: Instant, to: Instant) -> [GridCell: Int] {
            var counts: [GridCell: Int] = [:]
            for index in records.indices where records[index].occurredAt >= from && records[index].occurredAt < to {
                counts[cells[index], default: 0] += 1
            }
            return counts
        }
        let validation = start.monthStart(adding: -1)
        let before = counts(from: validation.monthStart(adding: -12), to: validation)
        let tested = counts(from: validation, to: start)
        let total = tested.values.reduce(0, +)
        var best = (bandwidth: KernelDensityHotspots.bandwidths[0], hits: -1)
        let flagged = Self.flaggedCells(coverage: 0.10, of: activeCells.count)
        for bandwidth in KernelDensityHotspots.bandwidths {
            let risks = KernelDensityHotspots.risks(
                counts: before, cells: activeCells, cellSize: options.parameters.cellSize, bandwidth: bandwidth)
            let hits = total == 0 ? 0 : ranking(activeCells, by: risks).prefix(flagged).reduce(0) { $0 + (tested[$1] ?? 0) }
            if hits > best.hits { best = (bandwidth, hits) }
        }
        let risks = KernelDensityHotspots.risks(
            counts: counts(from: start.monthStart(adding: -12), to: start), cells: activeCells,
            cellSize: options.parameters.cellSize, bandwidth: best.bandwidth)
        return (best.bandwidth, risks)
    }

    /// The study area's cells, highest score first, ties by cell coordinates.
    func ranking(_ cells: [GridCell], by scores: [GridCell: Int64]) -> [GridCell] {
        cells.map { ($0, scores[$0] ?? 0) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map(\.0)
    }

    /// Hit rate and PAI at each coverage for one ranking.
    func score(_ ranking: [GridCell], tested: [GridCell: Int], total: Int) -> [Score] {
        options.coverages.map { coverage in
            let flagged = Self.flaggedCells(coverage: coverage, of: ranking.count)
            let hits = ranking.prefix(flagged).reduce(0) { $0 + (tested[$1] ?? 0) }
            let hitRate = total == 0 ? 0 : Double(hits) / Double(total)
            let areaShare = Double(flagged) / Double(max(1, ranking.count))
            return Score(coverage: coverage, flaggedCells: flagged, hitRate: hitRate, pai: areaShare == 0 ? 0 : hitRate / areaShare)
        }
    }

    /// Cells flagged for a coverage: the share of the area rounded to the nearest cell, at least one.
    public static func flaggedCells(coverage: Double, of area: Int) -> Int {
        min(area, max(1, Int((coverage * Double(area)).rounded())))
    }

    /// The first instants of the test months: the last `testMonths` whole calendar months of the data, each
    /// with earlier records to learn from.
    func testPeriods(_ sorted: [Record]) throws(Problem) -> [Instant] {
        guard let first = sorted.first?.occurredAt, let last = sorted.last?.occurredAt else {
            throw .tooFewMonths("no located records of the counting subgroups to evaluate")
        }
        // Monthly data covers its last month; exact times cover it once they reach its last day.
        var lastWhole = last.monthStart()
        if !Self.isMonthly(sorted), last < lastWhole.monthStart(adding: 1) - Instant.days(1) {
            lastWhole = lastWhole.monthStart(adding: -1)
        }
        let starts = (0..<Int64(options.testMonths)).reversed().map { lastWhole.monthStart(adding: -$0) }
        guard let earliest = starts.first, first < earliest else {
            throw .tooFewMonths(
                "the data runs from \(first.rfc3339) to \(last.rfc3339): \(options.testMonths) whole test months need records before them to learn from; give more months of data or fewer --test-months"
            )
        }
        return starts
    }

    static func isMonthly(_ records: [Record]) -> Bool {
        records.allSatisfy { $0.occurredAt == $0.occurredAt.monthStart() }
    }
}
