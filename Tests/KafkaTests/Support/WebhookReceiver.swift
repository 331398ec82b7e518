import Foundation
import Hummingbird
import Logging
import Synchronization

/// A webhook endpoint for tests: an HTTP server in the test process that keeps every POST it receives.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        let body: Data
        let signature: String?
        let alertID: String?
    }

    let port: Int
    private final class Inbox: Sendable {
        let deliveries = Mutex<[Delivery]>([])
    }

    private let inbox = Inbox()
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init() {
        port = freePort()
        let router = Router()
        router.post("/hook") { [inbox] request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            inbox.deliveries.withLock {
                $0.append(
                    Delivery(
                        body: Data(buffer: body), signature: request.headers[.init("X-HarmRank-Signature")!],
                        alertID: request.headers[.init("X-HarmRank-Alert-Id")!]))
            }
            return .ok
        }
        var logger = Logger(label: "webhook")
        logger.logLevel = .warning
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        task.withLock { $0 = Task { try? await application.runService() } }
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }
    var deliveries: [Delivery] { inbox.deliveries.withLock { $0 } }

    func stop() { task.withLock { $0?.cancel() } }
}
