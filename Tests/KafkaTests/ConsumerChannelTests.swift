import Testing

@testable import HarmRankKafka

/// The consumer channel's joining of batches, between the poll thread and the task reading events.
@Suite struct ConsumerChannelTests {
    @Test func theReaderGetsEverythingThatArrivedWhileItWorkedInOneBatch() async {
        let channel = ConsumerChannel(capacity: 100)
        channel.push(emptyMessages(0..<3))
        channel.push(emptyMessages(3..<5))
        channel.push(emptyMessages(5..<6))
        guard case .messages(let batch)? = await channel.next() else { Issue.record("expected messages"); return }
        #expect(batch.map(\.offset) == Array(0..<6))

        // A partition change is never joined with the messages around it.
        channel.push(emptyMessages(6..<7))
        let pushed = Task.detached { channel.pushAndWait(.revoked([TopicPartition("t", 0)])) }
        while channel.bufferedItemCount < 2 { await Task.yield() }
        channel.push(emptyMessages(7..<8))
        guard case .messages(let before)? = await channel.next() else { Issue.record("expected messages"); return }
        #expect(before.map(\.offset) == [6])
        guard case .partitionChange(.revoked, _)? = await channel.next() else { Issue.record("expected the change"); return }
        guard case .messages(let after)? = await channel.next() else { Issue.record("expected messages"); return }
        #expect(after.map(\.offset) == [7])
        await pushed.value
    }

    @Test(.timeLimit(.minutes(1))) func aBusyReaderWaitsForMoreToJoinItsBatchAndALiveOneNeverWaits() async {
        // Live: a batch below the busy size is handed over at once, though the wait is an hour.
        let live = ConsumerChannel(capacity: 100)
        var liveBatches = ConsumerBatches(
            reader: .init(live), idleAfter: .seconds(3_600), gathering: BatchGathering(busyBatch: 3, wait: .seconds(3_600)))
        live.push(emptyMessages(0..<2))
        guard case .messages(let small)? = await liveBatches.next() else { Issue.record("expected messages"); return }
        #expect(small.map(\.offset) == [0, 1])

        // Busy: messages arriving while it waits join the batch, up to a partition change, which comes after them.
        let busy = ConsumerChannel(capacity: 100)
        busy.push(emptyMessages(0..<3))
        let reading = Task {
            var batches = ConsumerBatches(
                reader: .init(busy), idleAfter: .seconds(5), gathering: BatchGathering(busyBatch: 3, wait: .seconds(2)))
            var events: [ConsumerBatches.Event] = []
            for _ in 0..<3 { if let event = await batches.next() { events.append(event) } }
            return events
        }
        /// Waits up to 10 s for `condition`, so a reader that took the wrong items fails the test instead of hanging it.
        func eventually(_ condition: () -> Bool) async {
            let deadline = ContinuousClock.now + .seconds(10)
            while !condition() && ContinuousClock.now < deadline { await Task.yield() }
        }
        await eventually { busy.bufferedItemCount == 0 }
        busy.push(emptyMessages(3..<5))
        let revoked = Task.detached { busy.pushAndWait(.revoked([TopicPartition("t", 0)])) }
        await eventually { busy.bufferedItemCount == 2 }
        busy.push(emptyMessages(5..<6))
        let events = await reading.value
        busy.abandon()
        await revoked.value
        guard events.count == 3, case .messages(let gathered) = events[0], case .revoked = events[1],
            case .messages(let after) = events[2]
        else { Issue.record("expected messages, the change, messages: \(events)"); return }
        #expect(gathered.map(\.offset) == Array(0..<5))
        #expect(after.map(\.offset) == [5])
    }

    @Test(.timeLimit(.minutes(1))) func aBusyReaderStopsWaitingOnceItsBufferIsFull() async {
        // A full buffer stops the poll thread, so waiting on (here for an hour) would only leave the reader idle.
        let channel = ConsumerChannel(capacity: 10)
        channel.push(emptyMessages(0..<3))
        let reading = Task {
            var batches = ConsumerBatches(
                reader: .init(channel), idleAfter: .seconds(3_600), gathering: BatchGathering(busyBatch: 3, wait: .seconds(3_600)))
            return await batches.next()
        }
        while channel.bufferedItemCount > 0 { await Task.yield() }
        channel.push(emptyMessages(3..<13))
        guard case .messages(let batch)? = await reading.value else { Issue.record("expected messages"); return }
        #expect(batch.map(\.offset) == Array(0..<13))
    }
}

/// Messages of one partition at these offsets, with nothing in them.
func emptyMessages(_ offsets: Range<Int64>) -> [KafkaMessage] {
    offsets.map {
        KafkaMessage(topic: "t", partition: 0, offset: $0, key: nil, value: nil, headers: [], timestampMilliseconds: nil)
    }
}
