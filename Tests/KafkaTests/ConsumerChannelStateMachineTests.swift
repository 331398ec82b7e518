import Dispatch
import Testing

@testable import HarmRankKafka

/// Each transition of the consumer channel's state, alone: no threads, no timers. The reader's waits are strings.
@Suite struct ConsumerChannelStateMachineTests {
    typealias Machine = ConsumerChannel.StateMachine<String, String>

    @Test func aWaitingReaderIsHandedWhatArrivesAndNothingStaysBuffered() {
        var machine = Machine(capacity: 10)
        guard case (.wait, nil, false) = machine.next("reader") else { Issue.record("expected a wait"); return }
        guard case .resumeReader("reader", .messages(let batch)?) = machine.push(emptyMessages(0..<3)) else {
            Issue.record("expected the reader resumed"); return
        }
        #expect(batch.map(\.offset) == [0, 1, 2])
        #expect(machine.bufferedItemCount == 0)
        #expect(!machine.pollThreadMustWait)
    }

    @Test func messagesThatArriveWhileTheReaderWorksAreJoinedUpToAPartitionChange() {
        var machine = Machine(capacity: 100)
        _ = machine.push(emptyMessages(0..<2))
        _ = machine.push(emptyMessages(2..<3))
        let handled = DispatchSemaphore(value: 0)
        let (action, wait) = machine.pushPartitionChange(.revoked([TopicPartition("t", 0)]), handled: handled)
        guard case .none = action, wait else { Issue.record("expected the change buffered"); return }
        _ = machine.push(emptyMessages(3..<4))
        #expect(machine.bufferedItemCount == 4)

        guard case (.deliver(.messages(let before)?), nil, true) = machine.next("reader") else {
            Issue.record("expected the first messages"); return
        }
        #expect(before.map(\.offset) == [0, 1, 2])
        guard case (.deliver(.partitionChange(.revoked, _)?), nil, false) = machine.next("reader") else {
            Issue.record("expected the change"); return
        }
        // Asking again confirms the change the reader was handed.
        let (after, confirmed, _) = machine.next("reader")
        #expect(confirmed === handled)
        guard case .deliver(.messages(let later)?) = after else { Issue.record("expected messages"); return }
        #expect(later.map(\.offset) == [3])
    }

    @Test func thePollThreadWaitsWhileTheBufferIsFullAndTheReaderMakesRoom() {
        var machine = Machine(capacity: 5)
        _ = machine.push(emptyMessages(0..<3))
        #expect(!machine.pollThreadMustWait)
        _ = machine.push(emptyMessages(3..<5))
        #expect(machine.pollThreadMustWait)
        guard case (.deliver(.messages(let batch)?), _, true) = machine.next("reader") else {
            Issue.record("expected messages"); return
        }
        #expect(batch.count == 5)
        #expect(!machine.pollThreadMustWait)
    }

    @Test func anIdleTimerWakesOnlyTheWaitItWasSetFor() {
        var machine = Machine(capacity: 10)
        guard case (.wait(let first), _, _) = machine.next("first") else { Issue.record("expected a wait"); return }
        _ = machine.push(emptyMessages(0..<1))
        guard case (.wait(let second), _, _) = machine.next("second") else { Issue.record("expected a wait"); return }
        #expect(first != second)
        guard case .none = machine.idleTimerFired(ticket: first) else { Issue.record("a stale timer woke the reader"); return }
        guard case .resumeReader("second", .idle?) = machine.idleTimerFired(ticket: second) else {
            Issue.record("expected .idle"); return
        }
        guard case .none = machine.idleTimerFired(ticket: second) else { Issue.record("woken twice"); return }
    }

    @Test func gatheringEndsWhenTheBufferFillsOrItsOwnTimerFiresOrItIsCancelled() {
        var machine = Machine(capacity: 5)
        guard case .wait(let ticket) = machine.waitUntilFull("gatherer", cancelled: false) else {
            Issue.record("expected a wait"); return
        }
        guard case .none = machine.push(emptyMessages(0..<4)) else { Issue.record("ended before full"); return }
        guard case .resumeGatherer("gatherer") = machine.push(emptyMessages(4..<5)) else {
            Issue.record("expected the gatherer resumed"); return
        }
        guard case .none = machine.gatheringEnded(ticket: ticket) else { Issue.record("ended twice"); return }
        // Full already: no wait at all.
        guard case .proceed = machine.waitUntilFull("again", cancelled: false) else { Issue.record("expected to go on"); return }
        #expect(machine.takeWaitingMessages().count == 5)

        guard case .wait(let stale) = machine.waitUntilFull("timed", cancelled: false) else { Issue.record("expected a wait"); return }
        guard case .resumeGatherer("timed") = machine.gatheringEnded(ticket: stale) else { Issue.record("expected the end"); return }
        guard case .wait = machine.waitUntilFull("cancelled", cancelled: false) else { Issue.record("expected a wait"); return }
        guard case .none = machine.gatheringEnded(ticket: stale) else { Issue.record("a stale timer ended a later wait"); return }
        guard case .resumeGatherer("cancelled") = machine.gatheringEnded(ticket: nil) else { Issue.record("expected the end"); return }
        guard case .proceed = machine.waitUntilFull("late", cancelled: true) else { Issue.record("a cancelled task waited"); return }
    }

    @Test func afterFinishTheReaderTakesWhatIsLeftThenNil() {
        var waiting = Machine(capacity: 10)
        _ = waiting.next("reader")
        guard case .resumeReader("reader", nil) = waiting.finish() else { Issue.record("expected nil for the reader"); return }

        var gathering = Machine(capacity: 10)
        _ = gathering.push(emptyMessages(0..<2))
        _ = gathering.waitUntilFull("gatherer", cancelled: false)
        guard case .resumeGatherer("gatherer") = gathering.finish() else { Issue.record("expected the gatherer resumed"); return }
        #expect(gathering.takeWaitingMessages().map(\.offset) == [0, 1])
        guard case (.deliver(nil), _, _) = gathering.next("reader") else { Issue.record("expected nil"); return }

        var buffered = Machine(capacity: 10)
        _ = buffered.push(emptyMessages(0..<1))
        guard case .none = buffered.finish() else { Issue.record("nobody to resume"); return }
        guard case (.deliver(.messages?), _, _) = buffered.next("reader") else { Issue.record("expected messages"); return }
        guard case (.deliver(nil), _, _) = buffered.next("reader") else { Issue.record("expected nil"); return }
    }

    @Test func abandoningReleasesEveryWaitAndTheChannelKeepsNothingAfter() {
        var machine = Machine(capacity: 2)
        let handed = DispatchSemaphore(value: 0)
        let waiting = DispatchSemaphore(value: 0)
        _ = machine.pushPartitionChange(.revoked([TopicPartition("t", 0)]), handled: handed)
        _ = machine.next("reader")
        _ = machine.push(emptyMessages(0..<2))
        _ = machine.pushPartitionChange(.revoked([TopicPartition("t", 1)]), handled: waiting)
        #expect(machine.pollThreadMustWait)

        let abandonment = machine.abandon()
        #expect(abandonment.changes.count == 2)
        #expect(abandonment.changes.first === handed && abandonment.changes.last === waiting)
        #expect(!machine.pollThreadMustWait)
        guard case .none = machine.push(emptyMessages(2..<3)) else { Issue.record("kept a push"); return }
        let (_, wait) = machine.pushPartitionChange(.revoked([]), handled: DispatchSemaphore(value: 0))
        #expect(!wait)
        #expect(machine.bufferedItemCount == 0)
        guard case (.deliver(nil), _, _) = machine.next("reader") else { Issue.record("expected nil"); return }

        var reading = Machine(capacity: 2)
        _ = reading.next("reader")
        #expect(reading.abandon().reader == "reader")
        var gathering = Machine(capacity: 2)
        _ = gathering.waitUntilFull("gatherer", cancelled: false)
        #expect(gathering.abandon().gatherer == "gatherer")
    }
}
