import Foundation

/// `harmrank broker` as a separate process, with its data dir.
struct BrokerProcess {
    let process: ChildProcess
    let dataDirectory: URL
    let bootstrap: String

    /// `brokers` nil starts as many mock brokers as `harmrank broker` does by default.
    static func start(partitions: Int = 3, brokers: Int? = nil) async throws -> BrokerProcess {
        let directory = try temporaryDirectory()
        let process = try ChildProcess(
            "harmrank",
            ["broker", "--data-dir", directory.path, "--partitions", String(partitions)]
                + (brokers.map { ["--brokers", String($0)] } ?? []))
        let file = directory.appendingPathComponent("bootstrap.txt")
        var bootstrap = ""
        _ = await eventually(within: .seconds(30)) {
            bootstrap = ((try? String(contentsOf: file, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return !bootstrap.isEmpty
        }
        guard !bootstrap.isEmpty else {
            throw BrokerDidNotStart(output: process.output + process.errors)
        }
        return BrokerProcess(process: process, dataDirectory: directory, bootstrap: bootstrap)
    }

    struct BrokerDidNotStart: Error { let output: String }
}
