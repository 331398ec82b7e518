import Foundation

/// The self-exciting point process PredPol published (Mohler et al. 2011): crimes arrive at a steady background rate
/// per grid cell, and each crime raises the rate nearby for a while, decaying exponentially in time and as a
/// Gaussian in space:
///
///     λ(t, x) = b(c(x)) / A + Σ over earlier crimes j of θ ω exp(−ω (t − tⱼ)) · exp(−|x − xⱼ|² / 2σ²) / 2πσ²
///
/// with b(c) the background crimes a day in cell c, A the cell's area, θ the crimes each crime triggers on average,
/// 1/ω their mean delay in days and σ their spread in metres. It is fitted by expectation-maximisation, which
/// alternates between the chance that each crime was background or triggered by each earlier one, and the
/// parameters those chances make most likely.
///
/// The objective is the log-likelihood with Mohler's approximations, for which each EM step has a closed form and
/// never lowers it: a crime's triggering is only looked for within `Cutoffs` (beyond them it is negligible, and the
/// pairs a fit considers stay few), and the triggered crimes that would fall after the window or outside the area
/// are not subtracted (edge effects).
///
/// Pure and deterministic: the same events give the same fit.
public struct SelfExcitingPointProcess: Sendable {
    /// A crime as the model sees it.
    public struct Event: Sendable, Equatable {
        /// Days since the start of the window.
        public var time: Double
        /// British National Grid metres.
        public var x: Double
        public var y: Double
        /// The grid cell holding it, whose background rate it counts for.
        public var cell: GridCell

        public init(time: Double, x: Double, y: Double, cell: GridCell) {
            (self.time, self.x, self.y, self.cell) = (time, x, y, cell)
        }
    }

    /// The model's parameters.
    public struct Parameters: Sendable, Equatable {
        /// Background crimes a day, by cell (cells with none are left out).
        public var background: [GridCell: Double]
        /// Crimes each crime triggers, on average.
        public var theta: Double
        /// Decay of the triggering per day (its mean delay is 1/ω days).
        public var omega: Double
        /// Spread of the triggering in metres (standard deviation along each axis).
        public var sigma: Double

        public init(background: [GridCell: Double], theta: Double, omega: Double, sigma: Double) {
            (self.background, self.theta, self.omega, self.sigma) = (background, theta, omega, sigma)
        }
    }

    /// How far back and how far away a crime may have been triggered from.
    public struct Cutoffs: Sendable, Equatable {
        /// Days.
        public var time: Double = 180
        /// Metres.
        public var distance: Double = 2_000

        public init(time: Double = 180, distance: Double = 2_000) {
            (self.time, self.distance) = (time, distance)
        }
    }

    /// A fit: the parameters, and the objective after each EM iteration.
    public struct Fit: Sendable {
        public var parameters: Parameters
        /// The log-likelihood of the starting parameters, then after each iteration.
        public var logLikelihoods: [Double]
    }

    public let events: [Event]
    /// The window's length in days: every event lies in [0, window].
    public let window: Double
    /// A cell's area in square metres.
    public let cellArea: Double
    public let cutoffs: Cutoffs
    /// The earlier events within the cutoffs of each event, flat: those of event i are at
    /// `parentStart[i]..<parentStart[i + 1]`, each with its delay and squared distance (one allocation for all).
    private let parentStart: [Int]
    private let parentDelay: [Double]
    private let parentSquaredDistance: [Double]

    /// The model over `events` (in any order; they are sorted by time, ties by position) in a window of `window`
    /// days on a grid of cells of `cellSize` metres.
    public init(events: [Event], window: Double, cellSize: Int, cutoffs: Cutoffs = Cutoffs()) {
        let events = events.sorted { ($0.time, $0.x, $0.y) < ($1.time, $1.x, $1.y) }
        self.events = events
        self.window = window
        self.cellArea = Double(cellSize * cellSize)
        self.cutoffs = cutoffs
        // Buckets of the distance cutoff, so each event looks at its own and the eight around it.
        let bucketSize = cutoffs.distance
        func bucket(_ event: Event) -> SIMD2<Int64> {
            SIMD2(Int64((event.x / bucketSize).rounded(.down)), Int64((event.y / bucketSize).rounded(.down)))
        }
        var buckets: [SIMD2<Int64>: [Int]] = [:]
        var start = [0], delays: [Double] = [], squaredDistances: [Double] = []
        start.reserveCapacity(events.count + 1)
        let limit = cutoffs.distance * cutoffs.distance
        for (index, event) in events.enumerated() {
            var found: [(index: Int, delay: Double, squaredDistance: Double)] = []
            let home = bucket(event)
            for dx in -1...1 {
                for dy in -1...1 {
                    for other in buckets[home &+ SIMD2(Int64(dx), Int64(dy)), default: []].reversed() {
                        let delay = event.time - events[other].time
                        if delay > cutoffs.time { break }
                        // Crimes at the same instant (monthly data) cannot have triggered each other.
                        guard delay > 0 else { continue }
                        let (ex, ey) = (event.x - events[other].x, event.y - events[other].y)
                        let squared = ex * ex + ey * ey
                        if squared <= limit { found.append((other, delay, squared)) }
                    }
                }
            }
            for parent in found.sorted(by: { $0.index < $1.index }) {
                delays.append(parent.delay)
                squaredDistances.append(parent.squaredDistance)
            }
            start.append(delays.count)
            buckets[home, default: []].append(index)
        }
        (parentStart, parentDelay, parentSquaredDistance) = (start, delays, squaredDistances)
    }

    /// The triggering density of a pair.
    private static func trigger(_ parameters: Parameters, delay: Double, squaredDistance: Double) -> Double {
        let sigma2 = parameters.sigma * parameters.sigma
        return parameters.theta * parameters.omega / (2 * Double.pi * sigma2)
            * exp(-parameters.omega * delay - squaredDistance / (2 * sigma2))
    }

    /// Each pair's triggering density at `parameters`, in the order of the flat pair arrays.
    private func triggers(_ parameters: Parameters, into densities: inout [Double]) {
        let sigma2 = parameters.sigma * parameters.sigma
        let scale = parameters.theta * parameters.omega / (2 * Double.pi * sigma2)
        let (omega, spread) = (parameters.omega, 1 / (2 * sigma2))
        densities.withUnsafeMutableBufferPointer { densities in
            parentDelay.withUnsafeBufferPointer { delays in
                parentSquaredDistance.withUnsafeBufferPointer { distances in
                    for pair in delays.indices { densities[pair] = scale * exp(-omega * delays[pair] - distances[pair] * spread) }
                }
            }
        }
    }

    /// The objective at `parameters`.
    public func logLikelihood(_ parameters: Parameters) -> Double {
        var densities = [Double](repeating: 0, count: parentDelay.count)
        triggers(parameters, into: &densities)
        return logLikelihood(parameters, densities: densities)
    }

    private func logLikelihood(_ parameters: Parameters, densities: [Double]) -> Double {
        var total = 0.0
        for (index, event) in events.enumerated() {
            var intensity = (parameters.background[event.cell] ?? 0) / cellArea
            for pair in parentStart[index]..<parentStart[index + 1] { intensity += densities[pair] }
            total += log(intensity)
        }
        return total - window * parameters.background.values.reduce(0, +) - Double(events.count) * parameters.theta
    }

    /// Starting values: half of each cell's crimes as background, each crime triggering half a crime within a week
    /// and 200 metres.
    public func initialParameters() -> Parameters {
        var background: [GridCell: Double] = [:]
        for event in events { background[event.cell, default: 0] += 0.5 / window }
        return Parameters(background: background, theta: 0.5, omega: 1.0 / 7, sigma: 200)
    }

    /// Runs EM from `initial` (or `initialParameters()`) for at most `iterations`, stopping once the objective
    /// rises by less than `tolerance` in an iteration.
    public func fit(from initial: Parameters? = nil, iterations: Int = 100, tolerance: Double = 1e-6) -> Fit {
        var parameters = initial ?? initialParameters()
        var densities = [Double](repeating: 0, count: parentDelay.count)
        triggers(parameters, into: &densities)
        var logLikelihoods = [logLikelihood(parameters, densities: densities)]
        guard !events.isEmpty else { return Fit(parameters: parameters, logLikelihoods: logLikelihoods) }
        for _ in 0..<iterations {
            // Expectation: each event's chance of being background, and of being triggered by each parent.
            var background: [GridCell: Double] = [:]
            var triggered = 0.0, weightedDelay = 0.0, weightedSquaredDistance = 0.0
            for (index, event) in events.enumerated() {
                let base = (parameters.background[event.cell] ?? 0) / cellArea
                let pairs = parentStart[index]..<parentStart[index + 1]
                var intensity = base
                for pair in pairs { intensity += densities[pair] }
                guard intensity > 0 else { continue }
                background[event.cell, default: 0] += base / intensity
                for pair in pairs {
                    let chance = densities[pair] / intensity
                    triggered += chance
                    weightedDelay += chance * parentDelay[pair]
                    weightedSquaredDistance += chance * parentSquaredDistance[pair]
                }
            }
            // Maximisation: each parameter in closed form.
            parameters.background = background.mapValues { $0 / window }.filter { $0.value > 0 }
            if triggered > 0 {
                parameters.theta = triggered / Double(events.count)
                parameters.omega = triggered / weightedDelay
                // A metre at least: crimes recorded at one point would otherwise shrink the spread to nothing.
                parameters.sigma = max(1, (weightedSquaredDistance / (2 * triggered)).squareRoot())
            } else {
                parameters.theta = 0
            }
            triggers(parameters, into: &densities)
            let likelihood = logLikelihood(parameters, densities: densities)
            let gain = likelihood - logLikelihoods.last!
            logLikelihoods.append(likelihood)
            if gain < tolerance * max(1, abs(likelihood)) { break }
        }
        return Fit(parameters: parameters, logLikelihoods: logLikelihoods)
    }

    /// The expected crimes a day in each cell at `time` days (after the window): its background rate and what the
    /// events within the cutoffs still trigger there, the spatial density taken at the cell's centre.
    public static func risks(
        _ parameters: Parameters, events: [Event], at time: Double, cells: [GridCell], cellSize: Int, cutoffs: Cutoffs
    ) -> [GridCell: Double] {
        let size = Double(cellSize)
        let recent = events.filter { time - $0.time <= cutoffs.time && time > $0.time }
        let limit = cutoffs.distance * cutoffs.distance
        var risks: [GridCell: Double] = [:]
        for cell in cells {
            let (cx, cy) = ((Double(cell.x) + 0.5) * size, (Double(cell.y) + 0.5) * size)
            var risk = parameters.background[cell] ?? 0
            for event in recent {
                let (dx, dy) = (cx - event.x, cy - event.y)
                let squared = dx * dx + dy * dy
                guard squared <= limit else { continue }
                risk += trigger(parameters, delay: time - event.time, squaredDistance: squared) * size * size
            }
            risks[cell] = risk
        }
        return risks
    }
}
