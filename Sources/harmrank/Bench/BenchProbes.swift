import Foundation
import Histogram
import Logging
import Shared
import Synchronization

/// The probe crimes of the live phase of `harmrank bench`, and what became of them.
///
/// A probe is one suspect reported in two steps a second apart: first `priors` domestic homicides, then one more
/// (the timed record). The priors are as many as it takes for the second step to lift the suspect above the
/// 100th `dauntless` score measured after the backfill; probes tie with one another and each has a smaller id than
/// the ones before, so it ranks above them. The timed record moves the `dauntless` list (its snapshot shows the
/// suspect at the score only the timed record gives) and raises an `escalation` alert. Its latency is timed from
/// the moment Kafka accepted it (the delivery report on `offences.raw`) to the moment this process read the
/// effect, both by this process's clock, so no clocks are compared across processes.
struct BenchProbes {
    static let suspectPrefix = "BENCH-PROBE-"
    /// Ends the crimeRef of each probe's timed record.
    static let timedSuffix = "-T"
    static let homicide = "1"

    let count: Int
    let ward: String
    let priors: Int
    /// The suspect's `dauntless` score (days) once the timed record counts.
    let expectedScore: Double

    /// Probes that, in full, score above `hundredthScore` (days) at `clock`.
    init(count: Int, ward: String, above hundredthScore: Double, harmTable: HarmTable, clock: Instant) {
        let harm = harmTable[Self.homicide]?.harm ?? Harm(days: 5_475)
        func score(_ crimes: Int) -> Harm {
            DauntlessComponents(
                harm: Harm(hundredths: harm.hundredths * Int64(crimes)), frequency: crimes, gravity: harm,
                mostRecent: clock, victims: 1, asOf: clock
            ).score
        }
        var priors = 1
        while score(priors + 1).days <= hundredthScore * 1.1 { priors += 1 }
        self.count = count
        self.ward = ward
        self.priors = priors
        expectedScore = score(priors + 1).days
    }

    func suspect(_ index: Int) -> String { Self.suspectPrefix + String(999_999 - index) }

    /// Probe `index`'s prior records and its timed record, each with its crimeRef.
    func records(_ index: Int, occurredAt: Instant) -> (priors: [(String, [UInt8])], timed: (String, [UInt8])) {
        func record(_ crimeRef: String) -> (String, [UInt8]) {
            let fields: [JSONValue.Member] = [
                .init(key: "crimeRef", value: .string(crimeRef)),
                .init(key: "version", value: .number("1")),
                .init(key: "offenceCode", value: .string(Self.homicide)),
                .init(key: "occurredAt", value: .string(occurredAt.rfc3339)),
                .init(key: "wardCode", value: .string(ward)),
                .init(key: "flags", value: .array([.string("domestic")])),
                .init(key: "suspects", value: .array([.string(suspect(index))])),
                .init(key: "victims", value: .array([.string("BENCH-VICTIM-\(index)")])),
            ]
            return (crimeRef, Array(JSONValue.object(fields).text.utf8))
        }
        return ((0..<priors).map { record("BENCH-\(index)-P\($0)") }, record("BENCH-\(index)\(Self.timedSuffix)"))
    }
}

/// What `harmrank bench` reads from `rankings` and the alerts topic: when each probe's effects arrived, and when
/// the last snapshot of any list did.
final class BenchObservations: Sendable {
    private struct State {
        var accepted: [String: ContinuousClock.Instant] = [:]
        var ranked: [String: ContinuousClock.Instant] = [:]
        var alerted: [String: ContinuousClock.Instant] = [:]
        var lastSnapshot: ContinuousClock.Instant?
        var snapshots = 0
        var stages: [String: ProbeStages] = [:]
    }

    private let state = Mutex(State())

    /// The score (days) at which a probe's timed record shows in `dauntless`; set before the live phase.
    private let expectedScore = Mutex(Double.infinity)

    func expect(score: Double) { expectedScore.withLock { $0 = score } }

    func accepted(_ suspect: String, at instant: ContinuousClock.Instant) {
        let wallClock = Self.wallClockMilliseconds()
        state.withLock {
            $0.accepted[suspect] = instant
            $0.stages[suspect, default: ProbeStages()].accepted = wallClock
        }
    }

    var lastSnapshot: (at: ContinuousClock.Instant?, count: Int) { state.withLock { ($0.lastSnapshot, $0.snapshots) } }

    /// Reads the two topics until cancelled.
    func watch(kafka: KafkaConfiguration, topics: TopicCatalogue, logger: Logger) async throws {
        var configuration = ConsumerConfiguration(
            kafka: kafka, groupID: "harmrank-bench-\(UInt32.random(in: 0...UInt32.max))",
            topics: [topics.rankings, topics.alertsDauntless])
        // Read as promptly as the services do, or the bench's own hop would be the slowest.
        configuration.fetchWaitMilliseconds = UpCommand.embeddedFetchWaitMilliseconds
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        await withTaskCancellationHandler {
            await read(consumer.events, topics: topics)
        } onCancel: {
            consumer.close()
        }
        await consumer.waitUntilClosed()
    }

    private func read(_ events: ConsumerEvents, topics: TopicCatalogue) async {
        let decoder = JSONDecoder()
        for await event in events {
            guard case .message(let message) = event, let value = message.value else { continue }
            let now = ContinuousClock.now
            if message.topic == topics.rankings {
                // Only `dauntless` can show a probe; decoding every list's snapshot would take this process's
                // time (and the embedded broker's, which runs in it) from the services being measured.
                let expected = expectedScore.withLock { $0 } - 0.005
                let dauntless = message.key == Array(HarmList.dauntless.rawValue.utf8)
                    ? try? RankingMessage.decode(value) : nil
                let probes = (dauntless?.entries ?? [])
                    .filter { $0.id.hasPrefix(BenchProbes.suspectPrefix) && $0.score >= expected }.map(\.id)
                let wallClock = Self.wallClockMilliseconds()
                state.withLock { state in
                    state.lastSnapshot = now
                    state.snapshots += 1
                    for probe in probes where state.ranked[probe] == nil {
                        state.ranked[probe] = now
                        state.stages[probe, default: ProbeStages()].rankingWritten = message.timestampMilliseconds
                        state.stages[probe, default: ProbeStages()].rankingRead = wallClock
                    }
                }
            } else if message.topic == topics.alertsDauntless, let alert = try? decoder.decode(Alert.self, from: Data(value)),
                alert.kind == .escalation, alert.suspect.hasPrefix(BenchProbes.suspectPrefix)
            {
                let wallClock = Self.wallClockMilliseconds()
                state.withLock { state in
                    guard state.alerted[alert.suspect] == nil else { return }
                    state.alerted[alert.suspect] = now
                    state.stages[alert.suspect, default: ProbeStages()].alertWritten = message.timestampMilliseconds
                    state.stages[alert.suspect, default: ProbeStages()].alertRead = wallClock
                }
            }
        }
    }

    /// Reads the link and score topics from their ends until cancelled, for the time each probe's timed record
    /// spent in each service (`stageMilliseconds`). Started for the live phase only: during the backfill it would
    /// take broker time from what is measured.
    func watchStages(kafka: KafkaConfiguration, topics: TopicCatalogue, logger: Logger) async throws {
        var configuration = ConsumerConfiguration(
            kafka: kafka, groupID: "harmrank-bench-stages-\(UInt32.random(in: 0...UInt32.max))",
            topics: [topics.linksSuspect, topics.scoresSuspect])
        configuration.offsetReset = .latest
        configuration.fetchWaitMilliseconds = UpCommand.embeddedFetchWaitMilliseconds
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        await withTaskCancellationHandler {
            for await event in consumer.events {
                guard case .message(let message) = event, let key = message.key.map({ String(decoding: $0, as: UTF8.self) }),
                    key.hasPrefix(BenchProbes.suspectPrefix), let written = message.timestampMilliseconds
                else { continue }
                if message.topic == topics.linksSuspect {
                    // `suspect|crimeRef`: only the timed record's link counts.
                    guard key.hasSuffix(BenchProbes.timedSuffix), let suspect = key.split(separator: "|").first else { continue }
                    state.withLock { state in
                        if state.stages[String(suspect), default: ProbeStages()].linked == nil {
                            state.stages[String(suspect), default: ProbeStages()].linked = written
                        }
                    }
                } else if let value = message.value, String(decoding: value, as: UTF8.self).contains(BenchProbes.timedSuffix + "\"") {
                    // The first score of the suspect that counts the timed record.
                    state.withLock { state in
                        if state.stages[key, default: ProbeStages()].scored == nil {
                            state.stages[key, default: ProbeStages()].scored = written
                        }
                    }
                }
            }
        } onCancel: {
            consumer.close()
        }
        await consumer.waitUntilClosed()
    }

    /// Milliseconds each probe's timed record spent at each step, by the message timestamps each service's producer
    /// set. Every process reads the one wall clock of this machine, but at millisecond resolution: a breakdown of
    /// the end-to-end latencies, not a replacement for them.
    func stageMilliseconds() -> [StagePercentiles] {
        let stages = state.withLock { Array($0.stages.values) }
        func step(_ name: String, from start: KeyPath<ProbeStages, Int64?>, to end: KeyPath<ProbeStages, Int64?>)
            -> StagePercentiles
        {
            let gaps = stages.compactMap { probe in probe[keyPath: end].flatMap { end in probe[keyPath: start].map { end - $0 } } }
            return StagePercentiles(step: name, gaps.map { max(0, $0) }.sorted())
        }
        return [
            step("IngestService: accepted to link written", from: \.accepted, to: \.linked),
            step("ScoreService: link to score written", from: \.linked, to: \.scored),
            step("RankService: score to snapshot written", from: \.scored, to: \.rankingWritten),
            step("snapshot written to read", from: \.rankingWritten, to: \.rankingRead),
            step("NotifyService: score to alert written", from: \.scored, to: \.alertWritten),
            step("alert written to read", from: \.alertWritten, to: \.alertRead),
        ]
    }

    static func wallClockMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// Whether every accepted probe has been seen in a ranking and an alert.
    var complete: Bool {
        state.withLock { state in
            state.accepted.keys.allSatisfy { state.ranked[$0] != nil && state.alerted[$0] != nil }
        }
    }

    /// Latencies in microseconds, and how many accepted probes were never seen.
    func latencies() -> (ranking: Histogram<UInt64>, alert: Histogram<UInt64>, unseenRanking: Int, unseenAlert: Int) {
        state.withLock { state in
            var ranking = Histogram<UInt64>(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
            var alert = ranking
            var unseen = (ranking: 0, alert: 0)
            for (suspect, accepted) in state.accepted {
                if let seen = state.ranked[suspect] {
                    _ = ranking.record(Self.microseconds(accepted.duration(to: seen)))
                } else {
                    unseen.ranking += 1
                }
                if let seen = state.alerted[suspect] {
                    _ = alert.record(Self.microseconds(accepted.duration(to: seen)))
                } else {
                    unseen.alert += 1
                }
            }
            return (ranking, alert, unseen.ranking, unseen.alert)
        }
    }

    private static func microseconds(_ duration: Duration) -> UInt64 {
        UInt64(max(0, duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000))
    }
}

/// When one probe's timed record reached each step: wall-clock milliseconds, as message timestamps or as read.
struct ProbeStages {
    var accepted: Int64?
    var linked: Int64?
    var scored: Int64?
    var rankingWritten: Int64?
    var rankingRead: Int64?
    var alertWritten: Int64?
    var alertRead: Int64?
}

/// The median and 99th percentile of one step's milliseconds.
struct StagePercentiles: Encodable {
    var step: String
    var p50: Int64
    var p99: Int64
    var samples: Int

    init(step: String, _ sorted: [Int64]) {
        self.step = step
        func at(_ fraction: Double) -> Int64 {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
        }
        p50 = at(0.5)
        p99 = at(0.99)
        samples = sorted.count
    }
}
