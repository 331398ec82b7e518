import DequeModule
import Dispatch

extension ConsumerChannel {
    /// Everything the channel knows, as one value the channel keeps behind its lock. Each event (the poll thread
    /// pushing, the reader asking, a timer firing, either side leaving) is one transition that returns what the
    /// channel must do once the lock is released: resume a waiting reader, end a gathering wait, let a blocked poll
    /// thread go on. Nothing here blocks or starts a task, so every transition can be tested alone.
    ///
    /// ```
    ///            push / change                     next: nothing buffered
    ///   reading ─────────────────▶ open ◀──────────────────────────────▶ reading
    ///             idle timer        │ ▲   next: something buffered (stays open)
    ///                               │ │
    ///           waitUntilFull       ▼ │ buffer full, gathering timer, cancel
    ///                            gathering
    ///
    ///   open, reading, gathering ── finish ──▶ finished   (the reader takes what is left, then nil)
    ///   any state ──────────────── abandon ──▶ abandoned  (nothing is kept; the poll thread never waits again)
    /// ```
    ///
    /// `Reader` and `Gatherer` are the reader's two kinds of wait: continuations in the channel, plain values in tests.
    struct StateMachine<Reader, Gatherer> {
        /// What is buffered between the poll thread and the reader.
        struct Buffer {
            var items = Deque<Item>()
            /// Messages in `items`; the poll thread blocks while it reaches the channel's capacity.
            var messageCount = 0
            /// The partition change the reader is handling now, released when it next asks.
            var unconfirmed: DispatchSemaphore?

            /// Removes the messages at the front, joined, stopping at a partition change: a change reaches the
            /// reader after the messages fetched before it and before those fetched after.
            mutating func popLeadingMessages() -> [KafkaMessage] {
                var batch: [KafkaMessage] = []
                while case .messages(let more)? = items.first {
                    items.removeFirst()
                    batch += more
                }
                messageCount -= batch.count
                return batch
            }

            /// The next item for the reader. Every message batch waiting at the front goes in one: the cost of a
            /// batch (a transaction, a delivery wait) is paid once however far behind the reader fell.
            mutating func popNext() -> Item? {
                switch items.first {
                case nil:
                    return nil
                case .messages?:
                    return .messages(popLeadingMessages())
                case .partitionChange(_, let handled)?:
                    unconfirmed = handled
                    return items.removeFirst()
                case .idle?:
                    return items.removeFirst()
                }
            }
        }

        enum State {
            /// Nobody waits on the reader's side.
            case open(Buffer)
            /// The reader waits for the next item; nothing is buffered. `ticket` tells its idle timer from a later
            /// wait's.
            case reading(Reader, ticket: UInt64)
            /// The reader waits for the buffer to fill before taking a busy batch (`waitUntilFull`).
            case gathering(Buffer, Gatherer, ticket: UInt64)
            /// The consumer closed: the reader takes what is left, then nil.
            case finished(Buffer)
            /// The reader went away: nothing it did not confirm counts, and the poll thread must not wait for it.
            case abandoned
            /// Only inside a transition, while a buffer taken out of the state is changed: with the state still
            /// holding it, the buffer's storage would be shared and copied on every change.
            case modifying
        }

        /// What the channel does once the lock is released.
        enum Action {
            case none
            case resumeReader(Reader, with: Item?)
            case resumeGatherer(Gatherer)
        }

        /// What the reader's request for the next item led to.
        enum NextAction {
            /// Hand the reader this item (nil: the channel is done).
            case deliver(Item?)
            /// The reader now waits, under `ticket`.
            case wait(ticket: UInt64)
        }

        /// What a request to gather a busy batch led to.
        enum GatherAction {
            /// Go on at once: the buffer is full already, or the channel is done.
            case proceed
            /// The reader now waits for more, under `ticket`.
            case wait(ticket: UInt64)
        }

        /// Everything the channel must release when the reader goes away.
        struct Abandonment {
            var reader: Reader?
            var gatherer: Gatherer?
            /// The partition changes the poll thread waits on (or will), all of them given up.
            var changes: [DispatchSemaphore] = []
        }

        private(set) var state: State = .open(Buffer())
        let capacity: Int
        private var lastTicket: UInt64 = 0

        init(capacity: Int) { self.capacity = capacity }

        // MARK: poll thread

        /// Whether the poll thread must wait before pushing more: the buffer is full and the reader is still there.
        var pollThreadMustWait: Bool {
            switch state {
            case .open(let buffer), .gathering(let buffer, _, _), .finished(let buffer):
                buffer.messageCount >= capacity
            case .reading, .abandoned, .modifying:
                false
            }
        }

        /// The poll thread fetched `messages`.
        mutating func push(_ messages: [KafkaMessage]) -> Action {
            switch state {
            case .reading(let reader, _):
                state = .open(Buffer())
                return .resumeReader(reader, with: .messages(messages))
            case .open(var buffer):
                state = .modifying
                buffer.append(messages)
                state = .open(buffer)
            case .gathering(var buffer, let gatherer, let ticket):
                state = .modifying
                buffer.append(messages)
                if buffer.messageCount >= capacity {
                    state = .open(buffer)
                    return .resumeGatherer(gatherer)
                }
                state = .gathering(buffer, gatherer, ticket: ticket)
            case .finished(var buffer):
                state = .modifying
                buffer.append(messages)
                state = .finished(buffer)
            case .abandoned:
                break
            case .modifying:
                preconditionFailure("a transition left the consumer channel modifying")
            }
            return .none
        }

        /// The poll thread hands over a partition change, to wait on `handled` unless this returns false (the
        /// reader has gone: nobody would confirm it).
        mutating func pushPartitionChange(_ event: ConsumerEvent, handled: DispatchSemaphore) -> (Action, wait: Bool) {
            let item = Item.partitionChange(event, handled)
            switch state {
            case .reading(let reader, _):
                state = .open(Buffer(unconfirmed: handled))
                return (.resumeReader(reader, with: item), true)
            case .open(var buffer):
                state = .modifying
                buffer.items.append(item)
                state = .open(buffer)
            case .gathering(var buffer, let gatherer, let ticket):
                state = .modifying
                buffer.items.append(item)
                state = .gathering(buffer, gatherer, ticket: ticket)
            case .finished(var buffer):
                state = .modifying
                buffer.items.append(item)
                state = .finished(buffer)
            case .abandoned:
                return (.none, false)
            case .modifying:
                preconditionFailure("a transition left the consumer channel modifying")
            }
            return (.none, true)
        }

        /// The consumer closed.
        mutating func finish() -> Action {
            switch state {
            case .reading(let reader, _):
                state = .finished(Buffer())
                return .resumeReader(reader, with: nil)
            case .open(let buffer):
                state = .finished(buffer)
            case .gathering(let buffer, let gatherer, _):
                state = .finished(buffer)
                return .resumeGatherer(gatherer)
            case .finished, .abandoned:
                break
            case .modifying:
                preconditionFailure("a transition left the consumer channel modifying")
            }
            return .none
        }

        // MARK: reader

        /// The reader asks for the next item, which confirms the partition change it was handed before.
        /// Returns the change to release and whether the poll thread may have room again.
        mutating func next(_ reader: Reader) -> (NextAction, confirmed: DispatchSemaphore?, freedSpace: Bool) {
            switch state {
            case .open(var buffer):
                state = .modifying
                let confirmed = buffer.unconfirmed
                buffer.unconfirmed = nil
                guard let item = buffer.popNext() else {
                    lastTicket &+= 1
                    state = .reading(reader, ticket: lastTicket)
                    return (.wait(ticket: lastTicket), confirmed, false)
                }
                state = .open(buffer)
                return (.deliver(item), confirmed, item.isMessages)
            case .finished(var buffer):
                state = .modifying
                let confirmed = buffer.unconfirmed
                buffer.unconfirmed = nil
                let item = buffer.popNext()
                state = .finished(buffer)
                return (.deliver(item), confirmed, item?.isMessages ?? false)
            case .abandoned:
                return (.deliver(nil), nil, false)
            case .reading, .gathering:
                preconditionFailure("a consumer's events are read by one task at a time")
            case .modifying:
                preconditionFailure("a transition left the consumer channel modifying")
            }
        }

        /// The idle timer set for the wait `ticket` fired: the reader, if that wait is still on, gets `.idle`.
        mutating func idleTimerFired(ticket: UInt64) -> Action {
            guard case .reading(let reader, ticket) = state else { return .none }
            state = .open(Buffer())
            return .resumeReader(reader, with: .idle)
        }

        /// The reader, holding a busy batch, asks to wait until the buffer is full.
        mutating func waitUntilFull(_ gatherer: Gatherer, cancelled: Bool) -> GatherAction {
            guard case .open(let buffer) = state, buffer.messageCount < capacity, !cancelled else { return .proceed }
            lastTicket &+= 1
            state = .gathering(buffer, gatherer, ticket: lastTicket)
            return .wait(ticket: lastTicket)
        }

        /// The gathering wait `ticket` ran out (nil: whichever wait is on was cancelled).
        mutating func gatheringEnded(ticket: UInt64?) -> Action {
            guard case .gathering(let buffer, let gatherer, let current) = state, ticket == nil || ticket == current
            else { return .none }
            state = .open(buffer)
            return .resumeGatherer(gatherer)
        }

        /// The messages waiting at the front, joined, without waiting for any.
        mutating func takeWaitingMessages() -> [KafkaMessage] {
            switch state {
            case .open(var buffer):
                state = .modifying
                let batch = buffer.popLeadingMessages()
                state = .open(buffer)
                return batch
            case .finished(var buffer):
                state = .modifying
                let batch = buffer.popLeadingMessages()
                state = .finished(buffer)
                return batch
            case .reading, .gathering, .abandoned, .modifying:
                return []
            }
        }

        /// Items waiting for the reader (message batches and partition changes).
        var bufferedItemCount: Int {
            switch state {
            case .open(let buffer), .gathering(let buffer, _, _), .finished(let buffer): buffer.items.count
            case .reading, .abandoned, .modifying: 0
            }
        }

        /// The reader went away.
        mutating func abandon() -> Abandonment {
            var abandonment = Abandonment()
            switch state {
            case .open(let buffer), .finished(let buffer):
                abandonment.changes = buffer.changes
            case .gathering(let buffer, let gatherer, _):
                abandonment.changes = buffer.changes
                abandonment.gatherer = gatherer
            case .reading(let reader, _):
                abandonment.reader = reader
            case .abandoned, .modifying:
                break
            }
            state = .abandoned
            return abandonment
        }
    }
}

extension ConsumerChannel.StateMachine.Buffer {
    fileprivate mutating func append(_ messages: [KafkaMessage]) {
        items.append(.messages(messages))
        messageCount += messages.count
    }

    /// The partition change being handled and those still waiting.
    fileprivate var changes: [DispatchSemaphore] {
        var changes = unconfirmed.map { [$0] } ?? []
        for case .partitionChange(_, let handled) in items { changes.append(handled) }
        return changes
    }
}

extension ConsumerChannel.Item {
    fileprivate var isMessages: Bool {
        if case .messages = self { true } else { false }
    }
}
