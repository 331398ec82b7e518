import Foundation
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The four services as `up` and `bench` run them: separate processes of the executables installed beside
/// `harmrank`, on consecutive ports from `firstPort` (RankService first), sharing one broker and data dir.
struct ServiceStack {
    static let names = ["RankService", "IngestService", "NotifyService", "ScoreService"]

    let firstPort: Int
    let services: [SupervisedProcess]
    let logDirectory: URL?

    /// `logDirectory` takes each service's output as `<name>.log`; without it the output is printed, prefixed.
    init(environment: [String: String], firstPort: Int, logDirectory: URL? = nil, logger: Logger) {
        self.firstPort = firstPort
        self.logDirectory = logDirectory
        services = Self.names.enumerated().map { index, name in
            SupervisedProcess(
                name: name, executable: Self.siblingExecutable(name),
                arguments: ["--http-port", String(firstPort + index)], environment: environment,
                logFile: logDirectory?.appendingPathComponent("\(name).log"), logger: logger)
        }
    }

    func port(of name: String) -> Int { firstPort + (Self.names.firstIndex(of: name) ?? 0) }

    func start() { for service in services { service.start() } }

    func stop() async {
        await withTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { await service.stop() } }
        }
    }

    /// Waits until every service answers `/health/ready` (its partitions assigned and loaded).
    func waitUntilReady(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        for name in Self.names {
            let url = URL(string: "http://127.0.0.1:\(port(of: name))/health/ready")!
            while true {
                let response = try? await URLSession.shared.data(from: url).1 as? HTTPURLResponse
                if response?.statusCode == 200 { break }
                guard ContinuousClock.now < deadline else {
                    throw StackError("\(name) was not ready within \(timeout): see its log")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// The service executables are installed beside `harmrank`.
    private static func siblingExecutable(_ name: String) -> URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent(name)
    }
}

struct StackError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
