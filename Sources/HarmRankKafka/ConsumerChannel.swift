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
    /// Tells one wait of the reader from the next, so a timer (idle, or the end of gathering) only wakes the wait
    /// it was set for.
    private var readerTicket: UInt64 = 0
    /// The partition change the reader is handling now; released when it asks for more.
    private var unconfirmed: DispatchSemaphore?
    private var finished = false
    /// The reader went away: nothing it did not confirm counts, and the poll thread must not wait for it.
    private var abandoned = false
    /// A reader gathering a busy batch (`waitUntilFull`), with the ticket its timer was set for.
    private var gatherer: (continuation: CheckedContinuation<Void, Never>, ticket: UInt64)?

    init(capacity: Int) { self.capacity = capacity }

    // MARK: poll thread

    func push(_ messages: [KafkaMessage]) {
        condition.lock()
        while bufferedMessages >= capacity && !abandoned { condition.wait() }
        guard !abandoned else { return condition.unlock() }
        bufferedMessages += messages.count
        let full = bufferedMessages >= capacity ? takeGatherer() : nil
        deliver(.messages(messages))
        full?.resume()
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
        let gathering = takeGatherer()
        condition.unlock()
        waiting?.resume(returning: nil)
        gathering?.resume()
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
                    case .messages(let first):
                        // Everything that arrived while the reader was busy goes in one batch: the cost of a
                        // batch (a transaction, a delivery wait) is paid once however far behind it fell.
                        bufferedMessages -= first.count
                        item = .messages(first + popWaitingMessages())
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

    /// Returns when the buffer is full or after `limit`, whichever comes first. A full buffer stops the poll
    /// thread, so a reader gathering a busy batch gains nothing by waiting longer: it would only sit idle.
    func waitUntilFull(atMost limit: Duration) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                condition.lock()
                guard bufferedMessages < capacity, !finished, !abandoned, !Task.isCancelled else {
                    condition.unlock()
                    return continuation.resume()
                }
                readerTicket &+= 1
                let ticket = readerTicket
                gatherer = (continuation, ticket)
                condition.unlock()
                Task { [self] in
                    try? await Task.sleep(for: limit)
                    wakeGatherer(ticket)
                }
            }
        } onCancel: {
            wakeGatherer(nil)
        }
    }

    /// Ends the gathering wait the timer `ticket` was set for, or with nil whichever is waiting.
    private func wakeGatherer(_ ticket: UInt64?) {
        condition.lock()
        let expired = ticket == nil || gatherer?.ticket == ticket ? takeGatherer() : nil
        condition.unlock()
        expired?.resume()
    }

    /// Called with the lock held.
    private func takeGatherer() -> CheckedContinuation<Void, Never>? {
        defer { gatherer = nil }
        return gatherer?.continuation
    }

    /// The messages waiting at the front, joined, without waiting for any.
    func takeWaitingMessages() -> [KafkaMessage] {
        condition.lock()
        defer { condition.unlock() }
        let batch = popWaitingMessages()
        if !batch.isEmpty { condition.broadcast() }
        return batch
    }

    /// Called with the lock held. Stops at a partition change: it reaches the reader after the messages fetched
    /// before it and before those fetched after.
    private func popWaitingMessages() -> [KafkaMessage] {
        var batch: [KafkaMessage] = []
        while case .messages(let more)? = items.first {
            items.removeFirst()
            batch += more
        }
        bufferedMessages -= batch.count
        return batch
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
        let gathering = takeGatherer()
        condition.broadcast()
        condition.unlock()
        waiting?.resume(returning: nil)
        gathering?.resume()
    }
}

/// The events of a consumer. Read them from one task only.
public struct ConsumerEvents: AsyncSequence, Sendable {
    let channel: ConsumerChannel

    public func makeAsyncIterator() -> Iterator { Iterator(reader: Reader(channel)) }

    /// Yields the events one message at a time.
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
    /// With `gathering`, a large batch waits for more to join it (`BatchGathering`).
    public func batches(idleAfter: Duration, gathering: BatchGathering? = nil) -> ConsumerBatches {
        ConsumerBatches(reader: Reader(channel), idleAfter: idleAfter, gathering: gathering)
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
    /// One step of a consumer read in batches.
    public enum Event: Sendable {
        /// Messages in the order fetched; several partitions may be mixed, each in offset order.
        case messages([KafkaMessage])
        case assigned(PartitionAssignment)
        case revoked([TopicPartition])
        case idle
    }

    let reader: ConsumerEvents.Reader
    let idleAfter: Duration
    let gathering: BatchGathering?

    public func makeAsyncIterator() -> ConsumerBatches { self }

    public mutating func next() async -> Event? {
        switch await reader.channel.next(idleAfter: idleAfter) {
        case nil: return nil
        case .messages(var messages)?:
            if let gathering, messages.count >= gathering.busyBatch {
                await reader.channel.waitUntilFull(atMost: gathering.wait)
                messages += reader.channel.takeWaitingMessages()
            }
            return .messages(messages)
        case .partitionChange(.assigned(let assignment), _)?: return .assigned(assignment)
        case .partitionChange(.revoked(let partitions), _)?: return .revoked(partitions)
        case .partitionChange(.message(let message), _)?: return .messages([message])
        case .idle?: return .idle
        }
    }
}

/// Under load, lets a batch grow before it is handed over. Each batch costs a service a fixed amount for every
/// partition in it, on top of its messages: a transaction, a wait for delivery, re-ranking. A reader that keeps
/// finding large batches waiting is behind, and it catches up sooner by waiting a little for more, since fewer and
/// larger batches cost less in all. A reader of live traffic finds a message or two each time and never waits.
public struct BatchGathering: Sendable {
    /// A batch this large says the reader is busy.
    public var busyBatch: Int
    /// How long a busy reader waits at most for more before taking the batch; it stops waiting once its buffer is
    /// full, since nothing more is fetched until it takes some.
    public var wait: Duration

    /// Gathering that treats a batch of `busyBatch` or more as busy and waits up to `wait` for more.
    public init(busyBatch: Int = Self.busyBatch, wait: Duration) {
        self.busyBatch = busyBatch
        self.wait = wait
    }

    /// Half a second of a live feed at 200 records a second: a service meets it only once it has fallen behind.
    public static let busyBatch = 100
}
