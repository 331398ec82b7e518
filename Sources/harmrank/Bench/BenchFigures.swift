import Foundation
import Histogram

extension BenchCommand {
    /// What `harmrank bench` prints and writes with `--json`.
    struct Figures: Encodable {
        struct Machine: Encodable {
            var cores: Int
            var memoryGB: Int
            var processor: String
            /// How the executables were built: figures from a debug build say little about production.
            var build: String

            static var current: Machine {
                let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
                    .split(separator: "\n").first { $0.hasPrefix("model name") }?
                    .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces)
                #if DEBUG
                    let build = "debug"
                #else
                    let build = "release"
                #endif
                return Machine(
                    cores: ProcessInfo.processInfo.activeProcessorCount,
                    memoryGB: Int((Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824).rounded()),
                    processor: cpu ?? "unknown", build: build)
            }
        }

        struct Backfill: Encodable {
            var records: Int
            /// From the first record sent to the last ranking snapshot, once every consumer group had caught up.
            var seconds: Double
            var recordsPerSecond: Double
            /// Until every consumer group's committed offsets reached the end of its inputs (commits are at most
            /// a second apart, so this runs up to about a second late).
            var drainedSeconds: Double
            /// CPU seconds each service used during the backfill: against `seconds` and the cores, whether the
            /// pipeline was busy or waiting.
            var cpuSeconds: [String: Double]
            /// The share of the machine's CPU time the hypervisor gave to other machines meanwhile (steal).
            var stolenCPUPercent: Double?
            /// How busy the embedded broker's one thread was until every group caught up (`drainedSeconds`); 100 is
            /// its limit (`BenchCommand.brokerThreadCPUSeconds`).
            var brokerBusyPercent: Double?
            /// How often a service found offsets missing where it read (messages the broker dropped before they
            /// were read); 0 when the run is sound.
            var offsetJumps: Int
            /// Each service's input records over the batches it applied them in (each batch one commit of a
            /// partition's state and one round of sends): small batches mean a cost per batch dominates.
            var recordsPerBatch: [String: Double]
        }

        struct Reference: Encodable {
            var messages: Int
            /// The fastest of `readsPerSecond`.
            var rawConsumePerSecond: Double
            /// Each read of the same messages by a new consumer, in order.
            var readsPerSecond: [Double]
        }

        /// The backfill's Kafka traffic carried again with nothing done to it (`BenchTraffic`).
        struct KafkaAlone: Encodable {
            /// Per topic: the messages the backfill wrote, and the consumers that read them.
            var messagesWritten: [String: Int]
            var readers: [String: Int]
            /// From the first message written to the last read: a floor under `Backfill.seconds` on this machine.
            var seconds: Double
            /// The backfill's records over `seconds`, as a share of the raw consume rate: the highest `ratio` the
            /// pipeline could reach here.
            var ratio: Double
            /// Messages a reader never got (the broker dropped them); 0 when the run is sound.
            var unread: Int
            /// CPU seconds of the bench process, which runs the broker and every client of this phase.
            var cpuSeconds: Double
            var stolenCPUPercent: Double?
            var brokerBusyPercent: Double?
        }

        struct Percentiles: Encodable {
            var p50: Double
            var p99: Double
            var p999: Double
            var max: Double
            var samples: Int
            /// Probes whose effect was not seen within 30 seconds (not in the percentiles).
            var unseen: Int

            init(_ histogram: Histogram<UInt64>, unseen: Int) {
                func milliseconds(_ microseconds: UInt64) -> Double { (Double(microseconds) / 100).rounded() / 10 }
                let empty = histogram.totalCount == 0
                p50 = empty ? 0 : milliseconds(histogram.valueAtPercentile(50))
                p99 = empty ? 0 : milliseconds(histogram.valueAtPercentile(99))
                p999 = empty ? 0 : milliseconds(histogram.valueAtPercentile(99.9))
                max = empty ? 0 : milliseconds(histogram.max)
                samples = Int(histogram.totalCount)
                self.unseen = unseen
            }
        }

        struct Latency: Encodable {
            var recordsPerSecond: Int
            var probes: Int
            /// How often RankService could publish a changed list during the run.
            var publishIntervalMs: Int
            /// As in `Backfill`, over the live phase.
            var stolenCPUPercent: Double?
            var rankingMs: Percentiles
            var alertMs: Percentiles
            /// Where the time went, step by step in the order a record passes (`BenchObservations.stageMilliseconds`).
            var stagesMs: [StagePercentiles]
        }

        struct Memory: Encodable {
            var peakRssMB: [String: Double]
        }

        /// The stack at rest after the live phase: what a deployment costs while no crime is reported.
        struct Idle: Encodable {
            var seconds: Double
            /// CPU time each process used as a share (%) of `seconds`; 100 is one core. The bench's share includes
            /// the broker and the bench's own readers of rankings and alerts.
            var cpuPercent: [String: Double]
        }

        /// A service's state rebuilt after the live phase (`BenchRestore`).
        struct Restore: Encodable {
            /// From starting the process on its own data dir to its readiness: a restart.
            var fromCacheToReadySeconds: Double
            /// What its partitions reported for loading their files, when they report it.
            var fromCacheLoadSeconds: Double?
            /// From starting the process on an empty data dir to its readiness: another host.
            var fromKafkaToReadySeconds: Double?
            /// What its partitions reported for reading Kafka and loading what they rebuilt.
            var fromKafkaRebuildSeconds: Double?
            /// Why there is no figure from Kafka.
            var notFromKafka: String?
        }

        var machine: Machine
        var backfill: Backfill
        var reference: Reference
        var kafkaAlone: KafkaAlone
        /// The pipeline's backfill rate over the raw consume rate.
        var ratio: Double
        var latency: Latency
        var memory: Memory
        var idle: Idle
        /// By service; none with several ScoreService instances (the partitions of one stopped would move).
        var restore: [String: Restore]

        /// `rate` over `reference`, to three significant digits. A small run against a fast reference read can
        /// come out far below 0.001, which a fixed number of decimals would report as 0.
        static func ratio(_ rate: Double, over reference: Double) -> Double {
            let quotient = rate / reference
            guard quotient > 0, quotient.isFinite else { return quotient }
            let scale = pow(10, 2 - floor(log10(quotient)))
            return (quotient * scale).rounded() / scale
        }

        var table: String {
            func row(_ name: String, _ value: String) -> String { name.padding(toLength: 44, withPad: " ", startingAt: 0) + value }
            func stolen(_ percent: Double?) -> String { percent.map { "\($0)% of the machine's CPU time" } ?? "unknown" }
            func busy(_ percent: Double?) -> String { percent.map { "\($0)% of the time (its limit is 100%)" } ?? "unknown" }
            func percentiles(_ p: Percentiles) -> String {
                "p50 \(p.p50) ms, p99 \(p.p99) ms, p99.9 \(p.p999) ms (\(p.samples) probes\(p.unseen > 0 ? ", \(p.unseen) unseen" : ""))"
            }
            var lines = [
                "HarmRank bench: \(machine.cores) cores, \(machine.memoryGB) GB, \(machine.processor), \(machine.build) build",
                row("backfill", "\(backfill.records) records in \(backfill.seconds) s: \(Int(backfill.recordsPerSecond)) records/s"),
                row("  every consumer group caught up after", "\(backfill.drainedSeconds) s"),
                row("  jumps in offsets read (messages lost)", "\(backfill.offsetJumps)"),
                row("  CPU seconds used", backfill.cpuSeconds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")),
                row("  records per batch applied", backfill.recordsPerBatch.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")),
                row("  CPU taken by other machines (steal)", stolen(backfill.stolenCPUPercent)),
                row("  the broker's thread busy", busy(backfill.brokerBusyPercent)),
                row(
                    "reference: raw consume of offences.raw",
                    "\(Int(reference.rawConsumePerSecond)) records/s (\(reference.messages) read; fastest of "
                        + "\(reference.readsPerSecond.map { String(Int($0)) }.joined(separator: ", ")))"),
                row("pipeline / raw consume", String(format: "%.3g", ratio)),
                row("the backfill's Kafka traffic alone", "\(kafkaAlone.seconds) s: \(kafkaAlone.messagesWritten.values.reduce(0, +)) messages written on \(kafkaAlone.messagesWritten.count) topics, \(kafkaAlone.cpuSeconds) CPU s\(kafkaAlone.unread > 0 ? ", \(kafkaAlone.unread) never read" : "")"),
                row("  its rate / raw consume (ratio's ceiling)", String(format: "%.3g", kafkaAlone.ratio)),
                row("  CPU taken by other machines (steal)", stolen(kafkaAlone.stolenCPUPercent)),
                row("  the broker's thread busy", busy(kafkaAlone.brokerBusyPercent)),
                row("live at \(latency.recordsPerSecond) records/s, to ranking", percentiles(latency.rankingMs)),
                row("  (rankings published at most every", "\(latency.publishIntervalMs) ms a list)"),
                row("  CPU taken by other machines (steal)", stolen(latency.stolenCPUPercent)),
                row("live at \(latency.recordsPerSecond) records/s, to alert", percentiles(latency.alertMs)),
            ]
            for stage in latency.stagesMs {
                lines.append(row("  \(stage.step)", "p50 \(stage.p50) ms, p99 \(stage.p99) ms (\(stage.samples))"))
            }
            for (service, megabytes) in memory.peakRssMB.sorted(by: { $0.key < $1.key }) {
                lines.append(row("peak resident memory, \(service)", "\(Int(megabytes)) MB"))
            }
            for (service, restore) in restore.sorted(by: { $0.key < $1.key }) {
                func seconds(_ value: Double?, _ what: String) -> String { value.map { ", of which \(what) \($0) s" } ?? "" }
                lines.append(row(
                    "\(service) restored from its files",
                    "ready in \(restore.fromCacheToReadySeconds) s\(seconds(restore.fromCacheLoadSeconds, "loading"))"))
                lines.append(row(
                    "\(service) restored from Kafka",
                    restore.fromKafkaToReadySeconds.map { "ready in \($0) s\(seconds(restore.fromKafkaRebuildSeconds, "rebuilding"))" }
                        ?? "not measured: \(restore.notFromKafka ?? "")"))
            }
            lines.append(row(
                "CPU at rest over \(idle.seconds) s (100% a core)",
                idle.cpuPercent.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)%" }.joined(separator: ", ")))
            return lines.joined(separator: "\n")
        }
    }
}
