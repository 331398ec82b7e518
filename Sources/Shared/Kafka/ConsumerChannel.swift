import DequeModule
import Foundation

/// Hands batches from a consumer's poll thread to the one task reading its events, joining whatever has arrived
/// since the reader last asked into one batch. It holds at most `capacity` messages: past that the poll thread blocks, so librdkafka stops fetching and a slow application is never
/// overrun. A partition change is handed over in order and the poll thread waits until the reader asks for the
/// next event, which is how the reader confirms it has saved or loaded the partitions' state.
final class ConsumerChannel: @unchecked Sendable {
    enum Item {
        case messages([KafkaMessage])
        case partitionChange(ConsumerEvent, DispatchSemaphore)
        /// Nothing arrived within the reader's idle time.
        case idle
    }

    private let condition = NSCondition()
    private let capacity: Int
    private var items = Deque<Item>()
    private var bufferedMessages = 0
    private var reader: CheckedContinuation<Item?, Never>?
    /// Tells a waiting reader from the next one, so an idle timer only wakes the reader it was set for.
    private var readerTicket: UInt64 = 0
    /// The partition change the reader is handling now; released when it asks for more.
    private var unconfirmed: DispatchSemaphore?
    private var finished = false
    /// The reader went away: nothing it did not confirm counts, and the poll thread must not wait for it.
    private var abandoned = false

    init(capacity: Int) { self.capacity = capacity }

    // MARK: poll thread

    func push(_ messages: [KafkaMessage]) {
        condition.lock()
        while bufferedMessages >= capacity && !abandoned { condition.wait() }
        guard !abandoned else { return condition.unlock() }
        bufferedMessages += messages.count
        deliver(.messages(messages))
    }

    /// Hands over a partition change and blocks until the reader has handled it (or gone).
    func pushAndWait(_ event: ConsumerEvent) {
        let handled = DispatchSemaphore(value: 0)
        condition.lock()
        guard !abandoned else { return condition.unlock() }
        deliver(.partitionChange(event, handled))
        handled.wait()
    }

    func finish() {
        condition.lock()
        finished = true
        let waiting = reader
        reader = nil
        condition.unlock()
        waiting?.resume(returning: nil)
    }

    /// Called with the lock held; releases it.
    private func deliver(_ item: Item) {
        if let waiting = reader {
            reader = nil
            if case .partitionChange(_, let handled) = item { unconfirmed = handled }
            if case .messages(let batch) = item { bufferedMessages -= batch.count }
            condition.unlock()
            waiting.resume(returning: item)
        } else {
            items.append(item)
            condition.unlock()
        }
    }

    /// Items waiting for the reader (message batches and partition changes).
    var bufferedItemCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return items.count
    }

    // MARK: reader

    /// The next item; with `idleAfter`, `.idle` when nothing arrives in that time.
    func next(idleAfter: Duration? = nil) async -> Item? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
                condition.lock()
                unconfirmed?.signal()
                unconfirmed = nil
                if var item = items.popFirst() {
                    switch item {
                    case .messages(var batch):
                        // Everything that arrived while the reader was busy goes in one batch: the cost of a
                        // batch (a transaction, a delivery wait) is paid once however far behind it fell.
                        while case .messages(let more)? = items.first {
                            items.removeFirst()
                            batch += more
                        }
                        item = .messages(batch)
                        bufferedMessages -= batch.count
                        condition.broadcast()
                    case .partitionChange(_, let handled):
                        unconfirmed = handled
                    case .idle:
                        break
                    }
                    condition.unlock()
                    continuation.resume(returning: item)
                } else if finished || abandoned {
                    condition.unlock()
                    continuation.resume(returning: nil)
                } else {
                    reader = continuation
                    readerTicket &+= 1
                    let ticket = readerTicket
                    condition.unlock()
                    if let idleAfter {
                        Task { [self] in
                            try? await Task.sleep(for: idleAfter)
                            wakeIdle(ticket)
                        }
                    }
                }
            }
        } onCancel: {
            abandon()
        }
    }

    private func wakeIdle(_ ticket: UInt64) {
        condition.lock()
        guard let waiting = reader, ticket == readerTicket else { return condition.unlock() }
        reader = nil
        condition.unlock()
        waiting.resume(returning: .idle)
    }

    func abandon() {
        condition.lock()
        abandoned = true
        unconfirmed?.signal()
        unconfirmed = nil
        for case .partitionChange(_, let handled) in items { handled.signal() }
        items.removeAll()
        bufferedMessages = 0
        let waiting = reader
        reader = nil
        condition.broadcast()
        condition.unlock()
        waiting?.resume(returning: nil)
    }
}

/// The events of a consumer. Read them from one task only.
public struct ConsumerEvents: AsyncSequence, Sendable {
    let channel: ConsumerChannel

    public func makeAsyncIterator() -> Iterator { Iterator(reader: Reader(channel)) }

    public struct Iterator: AsyncIteratorProtocol {
        let reader: Reader
        var batch: [KafkaMessage] = []
        var index = 0

        public mutating func next() async -> ConsumerEvent? {
            if index < batch.count {
                defer { index += 1 }
                return .message(batch[index])
            }
            batch = []
            switch await reader.channel.next() {
            case nil:
                return nil
            case .messages(let messages)?:
                batch = messages
                index = 1
                return .message(messages[0])
            case .partitionChange(let event, _)?:
                return event
            case .idle?:
                return await next()
            }
        }
    }

    /// The same events with each fetched batch of messages together, and `.idle` after `idleAfter` without any:
    /// for a processing step that commits per batch and has work to do when input stops (a clock to move).
    public func batches(idleAfter: Duration) -> ConsumerBatches {
        ConsumerBatches(reader: Reader(channel), idleAfter: idleAfter)
    }

    /// Lets the poll thread go on when the loop reading events ends without the consumer being closed.
    final class Reader: Sendable {
        let channel: ConsumerChannel
        init(_ channel: ConsumerChannel) { self.channel = channel }
        deinit { channel.abandon() }
    }
}

/// A consumer's events in batches (`ConsumerEvents.batches(idleAfter:)`). Read them from one task only.
public struct ConsumerBatches: AsyncSequence, AsyncIteratorProtocol, Sendable {
    public enum Event: Sendable {
        /// Messages in the order fetched; several partitions may be mixed, each in offset order.
        case messages([KafkaMessage])
        case assigned(PartitionAssignment)
        case revoked([TopicPartition])
        case idle
    }

    let reader: ConsumerEvents.Reader
    let idleAfter: Duration

    public func makeAsyncIterator() -> ConsumerBatches { self }

    public mutating func next() async -> Event? {
        switch await reader.channel.next(idleAfter: idleAfter) {
        case nil: nil
        case .messages(let messages)?: .messages(messages)
        case .partitionChange(.assigned(let assignment), _)?: .assigned(assignment)
        case .partitionChange(.revoked(let partitions), _)?: .revoked(partitions)
        case .partitionChange(.message(let message), _)?: .messages([message])
        case .idle?: .idle
        }
    }
}
