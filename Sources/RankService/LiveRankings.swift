import Foundation
import Hummingbird
import Shared
import Synchronization

/// The `rankings` snapshots as they are published, to every open dashboard: a server-sent event per snapshot,
/// its data the same JSON that `rankings` carries (entries and the diff from the previous snapshot).
final class LiveRankings: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<ByteBuffer>.Continuation]>([:])

    /// A stream of events for one client, until it goes away.
    func subscribe() -> AsyncStream<ByteBuffer> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(64))
        continuation.onTermination = { [weak self] _ in self?.subscribers.withLock { _ = $0.removeValue(forKey: id) } }
        continuation.yield(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    func published(_ snapshots: [[UInt8]]) {
        let events = snapshots.map { json in
            var event = ByteBuffer(string: "event: rankings\ndata: ")
            event.writeBytes(json)
            event.writeString("\n\n")
            return event
        }
        for continuation in subscribers.withLock({ Array($0.values) }) {
            for event in events { continuation.yield(event) }
        }
    }
}
