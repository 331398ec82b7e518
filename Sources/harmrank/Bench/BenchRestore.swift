import Foundation
import Logging
import Shared

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Each service's whole state rebuilt after the live phase, twice: from its own state files, as after a restart,
/// and from Kafka on an empty data dir, as on another host (`docs/architecture.md`, "Kafka's copy of the state").
/// Each is timed from the process's start to its readiness (which includes reading what its partitions held when
/// assigned), and by the service's own account of the rebuilding alone where it gives one. A rebuild from Kafka is
/// measured only when the embedded broker still holds every message of the topics it reads: it keeps a
/// partition's newest ~5 MB and compacts nothing, so a rebuild from a cut topic would be wrong, not slow.
struct BenchRestore {
    let stack: ServiceStack
    let environment: [String: String]
    let directory: URL
    let kafka: KafkaConfiguration
    let topics: TopicCatalogue
    let logger: Logger
    let progress: (String) -> Void

    func measure() async throws -> [String: BenchCommand.Figures.Restore] {
        let sources = [
            "IngestService": [topics.crimesChangelog], "ScoreService": [topics.linksSuspect, topics.linksPlace],
            "RankService": [topics.scoresSuspect, topics.scoresPlace],
            "NotifyService": [topics.scoresSuspect, topics.alertsDauntless, topics.alertsChangelog],
        ]
        var figures: [String: BenchCommand.Figures.Restore] = [:]
        for service in ServiceStack.names.sorted() {
            let port = stack.port(of: service)
            await stack.services.first { $0.name == service }?.stop()
            let cache = try await timed(service, from: "cache", dataDirectory: environment["HARMRANK_DATA_DIR"]!, port: port)
            var restore = BenchCommand.Figures.Restore(fromCacheToReadySeconds: cache.toReady, fromCacheLoadSeconds: cache.rebuilt)
            if let cut = try await cutTopic(among: sources[service] ?? []) {
                restore.notFromKafka = "the embedded broker no longer holds the start of \(cut)"
                progress("restore: \(service) not from Kafka: \(restore.notFromKafka!)")
            } else {
                let fresh = directory.appendingPathComponent("hosts/\(service)-fresh").path
                let rebuilt = try await timed(service, from: "kafka", dataDirectory: fresh, port: port)
                restore.fromKafkaToReadySeconds = rebuilt.toReady
                restore.fromKafkaRebuildSeconds = rebuilt.rebuilt
            }
            figures[service] = restore
        }
        return figures
    }

    /// The first of `names` whose log no longer starts at offset 0 in some partition.
    private func cutTopic(among names: [String]) async throws -> String? {
        let administration = try KafkaAdministration(configuration: kafka, logger: logger)
        let counts = try await administration.partitionCounts()
        for name in names {
            let held = try await administration.heldOffsets(of: (0..<(counts[name] ?? 0)).map { TopicPartition(name, $0) })
            if held.values.contains(where: { $0.lowerBound > 0 }) { return name }
        }
        return nil
    }

    /// Starts `service` on `dataDirectory`, waits for it to be ready, stops it, and reads its log: the seconds to
    /// ready, and those its partitions logged for loading or rebuilding (nil when they log none).
    private func timed(_ service: String, from source: String, dataDirectory: String, port: Int) async throws
        -> (toReady: Double, rebuilt: Double?)
    {
        let name = "\(service)-\(source)"
        progress("restore: \(service)'s state from \(source == "cache" ? "its state files" : "Kafka, on an empty data dir")")
        let log = directory.appendingPathComponent("\(name).log")
        var own = environment
        own["HARMRANK_DATA_DIR"] = dataDirectory
        let process = SupervisedProcess(
            name: name, executable: ServiceStack.siblingExecutable(service), arguments: ["--http-port", String(port)],
            environment: own, logFile: log, logger: logger)
        let started = ContinuousClock.now
        process.start()
        let url = URL(string: "http://127.0.0.1:\(port)/health/ready")!
        while (try? await URLSession.shared.data(from: url).1 as? HTTPURLResponse)?.statusCode != 200 {
            guard started.duration(to: .now) < .seconds(300) else {
                await process.stop()
                throw StackError("\(name) was not ready within 300 s: see \(log.path)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let toReady = started.duration(to: .now).inSeconds
        await process.stop()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return ((toReady * 100).rounded() / 100, Self.secondsLogged(in: text).map { ($0 * 100).rounded() / 100 })
    }

    /// The rebuilding each partition logged: "restored in D seconds" from files, "rebuilt from Kafka in D seconds";
    /// nil when none did.
    static func secondsLogged(in log: String) -> Double? {
        let seconds = log.split(separator: "\n").compactMap { line -> Double? in
            guard line.contains("restored in ") || line.contains("rebuilt from Kafka in ") else { return nil }
            let tail = line.split(separator: " in ").last ?? ""
            return Double(tail.split(separator: " ").first ?? "")
        }
        return seconds.isEmpty ? nil : seconds.reduce(0, +)
    }
}
