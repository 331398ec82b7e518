import Foundation
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// ScoreService's whole state rebuilt after the live phase, twice: from its own state files, as after a restart,
/// and from Kafka on an empty data dir, as on another host (`ScoreRestore`). Each is timed from the process's
/// start to its readiness, and by the service's own account of the rebuilding alone.
struct BenchRestore {
    let stack: ServiceStack
    let environment: [String: String]
    let directory: URL
    let logger: Logger
    let progress: (String) -> Void

    func measure() async throws -> BenchCommand.Figures.Restore {
        let port = stack.port(of: "ScoreService")
        await stack.services.first { $0.name == "ScoreService" }?.stop()
        let cache = try await timed("ScoreService-cache", dataDirectory: environment["HARMRANK_DATA_DIR"]!, port: port)
        let fresh = directory.appendingPathComponent("hosts/ScoreService-fresh").path
        let kafka = try await timed("ScoreService-kafka", dataDirectory: fresh, port: port)
        return .init(
            fromCacheToReadySeconds: cache.toReady, fromCacheRebuildSeconds: cache.rebuild,
            fromKafkaToReadySeconds: kafka.toReady, fromKafkaRebuildSeconds: kafka.rebuild,
            linksFromKafka: kafka.links)
    }

    /// Starts ScoreService on `dataDirectory`, waits for it to be ready, stops it, and reads its log.
    private func timed(_ name: String, dataDirectory: String, port: Int) async throws
        -> (toReady: Double, rebuild: Double, links: Int)
    {
        progress("restore: ScoreService's state from \(name.hasSuffix("cache") ? "its state files" : "Kafka, on an empty data dir")")
        let log = directory.appendingPathComponent("\(name).log")
        var own = environment
        own["HARMRANK_DATA_DIR"] = dataDirectory
        let service = SupervisedProcess(
            name: name, executable: ServiceStack.siblingExecutable("ScoreService"), arguments: ["--http-port", String(port)],
            environment: own, logFile: log, logger: logger)
        let started = ContinuousClock.now
        service.start()
        let url = URL(string: "http://127.0.0.1:\(port)/health/ready")!
        while (try? await URLSession.shared.data(from: url).1 as? HTTPURLResponse)?.statusCode != 200 {
            guard started.duration(to: .now) < .seconds(300) else {
                await service.stop()
                throw StackError("\(name) was not ready within 300 s: see \(log.path)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let toReady = started.duration(to: .now).inSeconds
        await service.stop()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return (
            (toReady * 100).rounded() / 100, (Self.secondsLogged(in: text) * 100).rounded() / 100,
            Self.linksRebuilt(in: text)
        )
    }

    /// The rebuilding each partition logged: "restored in D seconds" from files, "rebuilt from Kafka in D seconds".
    static func secondsLogged(in log: String) -> Double {
        log.split(separator: "\n").compactMap { line -> Double? in
            guard line.contains("restored in ") || line.contains("rebuilt from Kafka in ") else { return nil }
            let tail = line.split(separator: " in ").last ?? ""
            return Double(tail.split(separator: " ").first ?? "")
        }.reduce(0, +)
    }

    /// The link changes read from the topics, as the partitions logged them.
    static func linksRebuilt(in log: String) -> Int {
        log.split(separator: "\n").compactMap { line -> Int? in
            guard let range = line.range(of: ": ", options: .backwards), line.contains("link changes rebuilt") else { return nil }
            return Int(line[range.upperBound...].split(separator: " ").first ?? "")
        }.reduce(0, +)
    }
}
