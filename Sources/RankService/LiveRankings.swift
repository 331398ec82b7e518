import Foundation
import Hummingbird
import Shared
import Synchronization

/// The `rankings` snapshots as they are published, to every open dashboard: a server-sent event per snapshot,
/// its data the same JSON that `rankings` carries (entries and the diff from the previous snapshot). A new client
/// first gets the latest snapshot of each list, so it shows rank movement at once.
final class LiveRankings: Sendable {
    private struct State {
        var subscribers: [UUID: AsyncStream<ByteBuffer>.Continuation] = [:]
        var latest: [String: ByteBuffer] = [:]
    }
    private let state = Mutex(State())

    /// A stream of events for one client, until it goes away.
    func subscribe() -> AsyncStream<ByteBuffer> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(64))
        continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) } }
        continuation.yield(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
        state.withLock { state in
            for list in state.latest.keys.sorted() { continuation.yield(state.latest[list]!) }
            state.subscribers[id] = continuation
        }
        return stream
    }

    /// Snapshots just published (or restored at start), by list.
    func published(_ snapshots: [(list: String, json: [UInt8])]) {
        let events = snapshots.map { snapshot in
            var event = ByteBuffer(string: "event: rankings\ndata: ")
            event.writeBytes(snapshot.json)
            event.writeString("\n\n")
            return (snapshot.list, event)
        }
        let subscribers = state.withLock { state in
            for (list, event) in events { state.latest[list] = event }
            return Array(state.subscribers.values)
        }
        for continuation in subscribers {
            for (_, event) in events { continuation.yield(event) }
        }
    }
}
