import Logging
import Shared

/// ScoreService's state for one partition of a link topic: the windows of the entities whose links land there.
///
/// The windows live in memory and are rebuilt at start from the links stored in the partition's database, which
/// changes in the same transaction as the offset. After each batch (and each move of the wall clock) the entities
/// whose standing may have changed are published to the score topic's partition of the same number, each with
/// the partition's next sequence number, before the state is committed. Suspects are published complete, places
/// as changes (`EntityScore`).
///
/// A crash between publishing and committing sends those scores again, from the committed state and possibly
/// batched differently; so every opening moves the numbers far ahead, and readers apply what is sent again
/// instead of skipping it as a repeat. The numbers start from the higher of the file's and the score partition's
/// last (`ScoreRestore`), so an instance on another host, or with an older file, never reuses one. Each crime a
/// change names is stated whole, so applying it twice, or after the lost run's later changes, ends where the input
/// does.
final class ScorePartition: PartitionProcessor {
    struct Context: Sendable {
        let producer: KafkaProducer
        let topics: TopicCatalogue
        let clockMode: ClockMode
        let status: ServiceStatus
        let logger: Logger
    }

    let partition: TopicPartition
    private let kind: EntityKind
    let ledger: PartitionLedger
    private let context: Context
    private var windows: HarmWindows
    private var sequence: Int64

    init(_ partition: TopicPartition, directory: String, context: Context) throws {
        guard let kind = LinkMessage.kind(of: partition.topic, in: context.topics) else {
            throw ConfigurationError("\(partition.topic) is not a link topic")
        }
        self.partition = partition
        self.kind = kind
        self.context = context
        ledger = try PartitionLedger(directory: directory, partition: partition, migrations: LinkStore.migrations)
        let started = ContinuousClock.now
        let links = try ledger.database.read { db in try LinkStore.all(in: db) }
        sequence = try ledger.commit(upTo: ledger.nextOffset) { db in
            let moved = try LinkStore.sequence(in: db) + Self.sequenceGapPerOpening
            try LinkStore.setSequence(moved, in: db)
            return moved
        }
        windows = HarmWindows(clock: try ledger.database.clock() ?? OffenceValidator.earliest)
        for link in links { windows.apply(link) }
        _ = windows.takeChanges()
        context.status.advanceClock(to: windows.clock)
        context.logger.info(
            "\(partition): \(links.count) links of \(windows.entityCount) entities restored in \(started.duration(to: .now))")
    }

    /// More than a partition ever publishes between two commits.
    static let sequenceGapPerOpening: Int64 = 1 << 32

    func apply(_ messages: ArraySlice<KafkaMessage>) async throws {
        var changes: [LinkChange] = []
        var counted: [String: Int] = [:]
        for message in messages {
            switch LinkMessage.decode(message, kind: kind) {
            case .success(.change(let change)):
                windows.apply(change)
                changes.append(change)
                counted["link", default: 0] += 1
            case .success(.forgotten):
                // IngestService forgets a crime once it has left every window, and so has its link here: the
                // tombstone is for the topic, to erase the link from it.
                counted["forgotten", default: 0] += 1
            case .success(.clock(let clock)):
                if context.clockMode == .event { windows.advance(to: clock) }
                counted["clock", default: 0] += 1
            case .failure(let problem):
                // Only HarmRank writes this topic; a message it cannot read is a bug to see, not data to keep.
                context.logger.error("\(partition)@\(message.offset): skipped: \(problem)")
                context.status.recordRejected()
                counted["unreadable", default: 0] += 1
            }
        }
        if context.clockMode == .wall { windows.advance(to: .now) }
        try await publishAndCommit(upTo: messages.last!.offset + 1, changes: changes, counted: counted)
    }

    /// In wall-clock mode the windows move with time alone: crimes age out and recency points drop.
    func tick() async throws {
        guard context.clockMode == .wall else { return }
        windows.advance(to: .now)
        try await publishAndCommit(upTo: nextOffset, changes: [], counted: [:])
    }

    private func publishAndCommit(upTo next: Int64, changes: [LinkChange], counted: [String: Int]) async throws {
        let changed = windows.takeChanges()
        guard !changed.isEmpty || next != nextOffset else { return }
        let firstSequence = sequence
        let scores = changed.enumerated().map { index, change in
            EntityScore(
                change.entity, in: windows, sequence: firstSequence + 1 + Int64(index),
                changedCrimes: change.entity.kind == .suspect ? nil : change.crimes)
        }
        try await context.producer.send(scores.map { $0.outgoing(topics: context.topics, partition: partition.partition) })
        let clock = windows.clock
        let lastSequence = firstSequence + Int64(scores.count)
        try ledger.commit(upTo: next, clock: clock, counting: counted) { db in
            for change in changes { try LinkStore.apply(change, in: db) }
            try LinkStore.purge(occurredAtOrBefore: clock - HarmWindows.windowLength, in: db)
            try LinkStore.setSequence(lastSequence, in: db)
        }
        sequence = lastSequence
        context.status.advanceClock(to: clock)
    }
}
