import Benchmark
import HarmRankCore

/// The scoring core alone at London scale (README, "Scoring core performance"). Run with
/// `swift package --disable-sandbox benchmark --target ScoringBenchmarks`.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .nanoseconds, warmupIterations: 1_000,
        maxDuration: .seconds(5), maxIterations: 1_000_000)

    let state = LondonState()

    // One link update per iteration, through the window and every list it touches: the latency distribution.
    Benchmark("Link update (one)") { benchmark in
        let update = state.nextUpdate()
        benchmark.startMeasurement()
        state.core.apply(update)
        benchmark.stopMeasurement()
    }

    // The same in batches of 10,000: throughput with no per-iteration overhead (time units are per update).
    Benchmark("Link updates (10,000)", configuration: .init(scalingFactor: .kilo, maxIterations: 100)) { benchmark in
        let updates = (0..<10_000).map { _ in state.nextUpdate() }
        benchmark.startMeasurement()
        for update in updates { state.core.apply(update) }
        benchmark.stopMeasurement()
    }

    // The clock moves 3.65 days: about 1% of the state expires and every list is updated. New crimes are then
    // added (not measured) so the state stays at London size.
    Benchmark(
        "Clock advance expiring 1%",
        configuration: .init(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 0, maxIterations: 60)
    ) { benchmark in
        let revision = CrimeRevision(harmTable: state.harmTable)
        let clock = state.core.windows.clock + Instant.days(365) / 100
        benchmark.startMeasurement()
        state.core.windows.advance(to: clock)
        state.core.publishChanges()
        benchmark.stopMeasurement()
        for _ in 0..<(LondonState.crimes / 100) {
            var record = state.randomRecord(clock: clock)
            record.occurredAt = clock - Int64(state.random.below(Int(Instant.days(365) / 100)))
            for (entity, link) in revision.links(record) { state.core.windows.apply(.add(entity, link)) }
        }
        state.core.publishChanges()
    }

    // The reference for the figures above, measured in the same run: the least any keyed state can do per link,
    // one dictionary update per entity (hash the id, add the harm), with nothing ranked or kept for explanation.
    Benchmark("Reference: dictionary add (10,000)", configuration: .init(scalingFactor: .kilo, maxIterations: 100)) {
        benchmark in
        let updates = (0..<10_000).map { _ in state.nextUpdate() }
        benchmark.startMeasurement()
        for update in updates {
            if case .add(let entity, let link) = update { state.referenceSums[entity.id, default: 0] += link.harm.hundredths }
        }
        benchmark.stopMeasurement()
    }

    // Memory: heap in use for the windows per contribution they hold (and with the four lists as well), with
    // CRIS-style crime references (short enough to be stored inside a string) and with long ones.
    for longCrimeRefs in [false, true] {
        let name = longCrimeRefs ? "20-byte crimeRefs" : "10-byte crimeRefs"
        Benchmark(
            "Bytes per contribution, \(name)",
            configuration: .init(
                metrics: [.custom("window bytes per contribution"), .custom("window and list bytes per contribution")],
                warmupIterations: 0, maxIterations: 1)
        ) { benchmark in
            let fresh = LondonState(longCrimeRefs: longCrimeRefs)
            let contributions = fresh.core.windows.contributionCount
            benchmark.measurement(.custom("window bytes per contribution"), fresh.windowBytes / contributions)
            benchmark.measurement(
                .custom("window and list bytes per contribution"), fresh.windowAndListBytes / contributions)
            print("London state: \(contributions) contributions, \(fresh.core.windows.entityCount) entities")
        }
    }
}
