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
        return ((0..<priors).map { record("BENCH-\(index)-P\($0)") }, record("BENCH-\(index)-T"))
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
    }

    private let state = Mutex(State())

    /// The score (days) at which a probe's timed record shows in `dauntless`; set before the live phase.
    private let expectedScore = Mutex(Double.infinity)

    func expect(score: Double) { expectedScore.withLock { $0 = score } }

    func accepted(_ suspect: String, at instant: ContinuousClock.Instant) {
        state.withLock { $0.accepted[suspect] = instant }
    }

    var lastSnapshot: (at: ContinuousClock.Instant?, count: Int) { state.withLock { ($0.lastSnapshot, $0.snapshots) } }

    /// Reads the two topics until cancelled.
    func watch(kafka: KafkaConfiguration, topics: TopicCatalogue, logger: Logger) async throws {
        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(
                kafka: kafka, groupID: "harmrank-bench-\(UInt32.random(in: 0...UInt32.max))",
                topics: [topics.rankings, topics.alertsDauntless]),
            logger: logger)
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
            if message.topic == topics.rankings, let ranking = try? decoder.decode(RankingMessage.self, from: Data(value)) {
                let expected = expectedScore.withLock { $0 } - 0.005
                let probes = ranking.list == HarmList.dauntless.rawValue
                    ? ranking.entries.filter { $0.id.hasPrefix(BenchProbes.suspectPrefix) && $0.score >= expected }.map(\.id)
                    : []
                state.withLock { state in
                    state.lastSnapshot = now
                    state.snapshots += 1
                    for probe in probes where state.ranked[probe] == nil { state.ranked[probe] = now }
                }
            } else if message.topic == topics.alertsDauntless, let alert = try? decoder.decode(Alert.self, from: Data(value)),
                alert.kind == .escalation, alert.suspect.hasPrefix(BenchProbes.suspectPrefix)
            {
                state.withLock { state in if state.alerted[alert.suspect] == nil { state.alerted[alert.suspect] = now } }
            }
        }
    }

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
