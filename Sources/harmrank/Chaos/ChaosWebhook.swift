import Foundation
import Hummingbird
import Logging
import Synchronization

/// The webhook of a chaos run: an HTTP receiver in the `harmrank` process that keeps the id
/// (`X-HarmRank-Alert-Id`) of every alert delivered to it, or answers 503 while it is made to fail.
final class ChaosWebhook: Sendable {
    private let state = Mutex((failing: false, delivered: [String: Int](), refused: 0))
    private let task = Mutex<Task<Void, Never>?>(nil)
    let port: Int

    init(port: Int) {
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Starts listening; returns at once.
    func start() {
        let router = Router()
        router.post("/hook") { [self] request, _ -> HTTPResponse.Status in
            let id = request.headers[.init("X-HarmRank-Alert-Id")!]
            return self.state.withLock { state in
                if state.failing {
                    state.refused += 1
                    return .serviceUnavailable
                }
                if let id { state.delivered[id, default: 0] += 1 }
                return id == nil ? .badRequest : .ok
            }
        }
        // Stopping it cancels the server, which it logs as errors: nothing a run needs to see.
        var logger = Logger(label: "chaos.webhook")
        logger.logLevel = .critical
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        task.withLock { $0 = Task { try? await application.runService() } }
    }

    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    /// How many times each alert was delivered.
    var delivered: [String: Int] { state.withLock { $0.delivered } }
    /// Deliveries answered 503.
    var refused: Int { state.withLock { $0.refused } }

    func stop() { task.withLock { $0?.cancel() } }
}
