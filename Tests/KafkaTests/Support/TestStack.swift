import Foundation
import Testing

/// `harmrank up` on the event clock in a new data dir whose tokens file holds one admin token, started and waited
/// for until each of the four services is ready. A test stops it with `defer { stack.stop() }`, which also keeps it
/// (and its processes) alive to the test's end.
final class TestStack {
    static let services = ["RankService", "IngestService", "NotifyService", "ScoreService"]

    let up: ChildProcess
    let directory: URL
    /// RankService's port; the others follow in the order of `services`.
    let port: Int

    private init(up: ChildProcess, directory: URL, port: Int) {
        (self.up, self.directory, self.port) = (up, directory, port)
    }

    func stop() { up.signal(SIGINT) }

    /// `environment` reaches every service (`HARMRANK_*` settings).
    static func start(token: String, principal: String, environment: [String: String] = [:]) async throws -> TestStack {
        let directory = try temporaryDirectory()
        try "\(token) \(principal) admin\n".write(to: directory.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
        let port = freePort()
        let up = try ChildProcess(
            "harmrank", ["up", "--clock", "event", "--data-dir", directory.path, "--http-port", String(port)], environment: environment)
        let stack = TestStack(up: up, directory: directory, port: port)
        for service in services {
            let ready = await eventually(within: .seconds(120)) { (try? await get(stack.base(service) + "/health/ready"))?.status == 200 }
            #expect(ready, "\(service): \(up.output.suffix(2000))")
        }
        return stack
    }

    /// The address of a service's first instance.
    func base(_ service: String) -> String { "http://127.0.0.1:\(port + Self.services.firstIndex(of: service)!)" }

    /// The embedded broker's address, from the data dir.
    func bootstrap() throws -> String {
        try String(contentsOf: directory.appendingPathComponent("bootstrap.txt"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
