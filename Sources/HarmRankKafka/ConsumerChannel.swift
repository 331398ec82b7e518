import DequeModule
import Foundation

/// Hands batches from a consumer's poll thread to the one task reading its events, joining whatever has arrived
/// since the reader last asked into one batch. It holds at most `capacity` messages: past that the poll thread
/// blocks, so librdkafka stops fetching and a slow application is never overrun. A partition change is handed over
/// in order and the poll thread waits until the reader asks for the next event, which is how the reader confirms
/// it has saved or loaded the partitions' state.
///
/// The channel's state is one ``StateMachine`` behind one lock; this class only carries out what its transitions
/// return, outside the lock: resuming the reader, blocking and waking the poll thread, setting timers.
final class ConsumerChannel: @unchecked Sendable {
    enum Item {
        case messages([KafkaMessage])
        case partitionChange(ConsumerEvent, DispatchSemaphore)
        /// Nothing arrived within the reader's idle time.
        case idle
    }

    typealias Machine = StateMachine<CheckedContinuation<Item?, Never>, CheckedContinuation<Void, Never>>

    /// Guards `machine`; the poll thread waits on it while the buffer is full.
    private let condition = NSCondition()
    private var machine: Machine

    init(capacity: Int) { machine = Machine(capacity: capacity) }

    // MARK: poll thread

    func push(_ messages: [KafkaMessage]) {
        condition.lock()
        while machine.pollThreadMustWait { condition.wait() }
        let action = machine.push(messages)
        condition.unlock()
        run(action)
    }

    /// Hands over a partition change and blocks until the reader has handled it (or gone).
    func pushAndWait(_ event: ConsumerEvent) {
        let handled = DispatchSemaphore(value: 0)
        condition.lock()
        let (action, wait) = machine.pushPartitionChange(event, handled: handled)
        condition.unlock()
        run(action)
        if wait { handled.wait() }
    }

    func finish() {
        run(withLock { $0.finish() })
    }

    /// Items waiting for the reader (message batches and partition changes).
    var bufferedItemCount: Int { withLock { $0.bufferedItemCount } }

    // MARK: reader

    /// The next item; with `idleAfter`, `.idle` when nothing arrives in that time.
    func next(idleAfter: Duration? = nil) async -> Item? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
                condition.lock()
                let (action, confirmed, freedSpace) = machine.next(continuation)
                if freedSpace { condition.broadcast() }
                condition.unlock()
                confirmed?.signal()
                switch action {
                case .deliver(let item):
                    continuation.resume(returning: item)
                case .wait(let ticket):
                    guard let idleAfter else { break }
                    Task { [self] in
                        try? await Task.sleep(for: idleAfter)
                        run(withLock { $0.idleTimerFired(ticket: ticket) })
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
                switch withLock({ $0.waitUntilFull(continuation, cancelled: Task.isCancelled) }) {
                case .proceed:
                    continuation.resume()
                case .wait(let ticket):
                    Task { [self] in
                        try? await Task.sleep(for: limit)
                        run(withLock { $0.gatheringEnded(ticket: ticket) })
                    }
                }
            }
        } onCancel: {
            run(withLock { $0.gatheringEnded(ticket: nil) })
        }
    }

    /// The messages waiting at the front, joined, without waiting for any.
    func takeWaitingMessages() -> [KafkaMessage] {
        condition.lock()
        defer { condition.unlock() }
        let batch = machine.takeWaitingMessages()
        if !batch.isEmpty { condition.broadcast() }
        return batch
    }

    func abandon() {
        condition.lock()
        let abandonment = machine.abandon()
        condition.broadcast()
        condition.unlock()
        for handled in abandonment.changes { handled.signal() }
        abandonment.reader?.resume(returning: nil)
        abandonment.gatherer?.resume()
    }

    private func withLock<Result>(_ body: (inout Machine) -> Result) -> Result {
        condition.lock()
        defer { condition.unlock() }
        return body(&machine)
    }

    private func run(_ action: Machine.Action) {
        switch action {
        case .none: break
        case .resumeReader(let reader, let item): reader.resume(returning: item)
        case .resumeGatherer(let gatherer): gatherer.resume()
        }
    }
}

/// The events of a consumer. Read them from one task only.
public struct ConsumerEvents: AsyncSequence, Sendable {
    let channel: ConsumerChannel

    /// An iterator over the events; make one only, and read it from one task.
    public func makeAsyncIterator() -> Iterator { Iterator(reader: Reader(channel)) }

    /// Yields the events one message at a time.
    public struct Iterator: AsyncIteratorProtocol {
        let reader: Reader
        var batch: [KafkaMessage] = []
        var index = 0

        /// The next event, or nil once the consumer has closed.
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
        /// Partitions were assigned; the next batch is read once the step returns (see `ConsumerEvent.assigned`).
        case assigned(PartitionAssignment)
        /// Partitions were taken away; their state must be saved before the step returns.
        case revoked([TopicPartition])
        /// Nothing arrived within the idle time.
        case idle
    }

    let reader: ConsumerEvents.Reader
    let idleAfter: Duration
    let gathering: BatchGathering?

    /// The batches themselves: they are read in place, by one task.
    public func makeAsyncIterator() -> ConsumerBatches { self }

    /// The next step, or nil once the consumer has closed.
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
