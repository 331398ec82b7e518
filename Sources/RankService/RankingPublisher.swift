import Foundation
import GRDB
import Logging
import ServiceLifecycle
import Shared
import Synchronization

/// Publishes each list's top entries to `rankings` when they change, with the diff from the previous snapshot, when
/// its `PublishSchedule` says. The last snapshot of each list is kept on disk, so versions go on rising and diffs
/// stay right across restarts. A suspect list's snapshot whose diff names people who left the list is followed by
/// one with the same entries and nothing left, so that neither the compacted topic's live message nor the file goes
/// on naming people who are no longer ranked.
///
/// Every replica keeps every list, but only the leader publishes (`Leadership`). Every replica also follows the
/// snapshots on `rankings` (`followed(_:)`), whoever sent them, and keeps the latest of each list as its own: a
/// follower serves the versions the leader published, and a replica elected leader first reads the topic to its
/// end, so its snapshots follow the last one sent and no version is used twice.
///
/// Its own state is touched only by its `run` loop; the partitions tell it of changes through `listsChanged()`.
final class RankingPublisher: Service, @unchecked Sendable {
    private let board: Board
    private let producer: KafkaProducer
    private let topic: String
    private let database: DatabaseQueue
    private let logger: Logger
    private var published: [HarmList: RankingMessage] = [:]
    /// Sent snapshots not yet on disk, by list: written right after each send, and kept for the next wake while the
    /// write fails. A restart before it succeeds takes up an older version and publishes the numbers after it again.
    private var unsaved: [HarmList: [UInt8]] = [:]
    private var savingFailed = false
    private var schedule: PublishSchedule
    private let changes = Doorbell()
    private let live: LiveRankings
    private let status: ServiceStatus
    /// Who publishes; nil publishes always (no election). Set once, at the end of `init`.
    private var leadership: Leadership?
    /// Reads `rankings` for `followed(_:)`; with `leadership`.
    private var tail: TopicTail?
    /// Snapshots read from the topic, not yet taken in by the run loop.
    private let inbox = Mutex<[(RankingMessage, [UInt8])]>([])
    /// The term of leadership in which this replica last read the topic to its end: a new term reads it again
    /// before publishing.
    private var caughtUpTerm = 0

    init(
        board: Board, producer: KafkaProducer, topic: String, interval: Duration, directory: String, live: LiveRankings,
        status: ServiceStatus, election: (kafka: KafkaConfiguration, group: String)? = nil, logger: Logger
    ) throws {
        self.board = board
        self.status = status
        self.live = live
        self.producer = producer
        self.topic = topic
        schedule = PublishSchedule(interval: interval)
        self.logger = logger
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Synced at every commit, so a version is never reused after a power cut; in WAL mode that is one sync a
        // commit where the default rollback journal took several, and this is written at every publish.
        var configuration = Configuration()
        configuration.journalMode = .wal
        // A snapshot replaced names suspects: its bytes are overwritten, not only unlinked.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        database = try DatabaseQueue(path: "\(directory)/rankings-published.sqlite", configuration: configuration)
        try database.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS published (list TEXT PRIMARY KEY, message TEXT NOT NULL)")
        }
        for (name, json) in try database.read({ try Row.fetchAll($0, sql: "SELECT list, message FROM published") })
            .map({ ($0["list"] as String, $0["message"] as String) })
        {
            guard let list = HarmList(rawValue: name) else { continue }
            published[list] = try RankingMessage.decode(Array(json.utf8))
            board.setPublishedVersion(published[list]!.version, of: list)
            live.published([(name, Array(json.utf8))])
        }
        if let election {
            leadership = Leadership(kafka: election.kafka, group: election.group, topic: topic, logger: logger) {
                [changes] in changes.ring()
            }
            tail = try TopicTail(kafka: election.kafka, topic: topic, logger: logger) { [weak self] message in
                self?.followed(message)
            }
        }
    }

    /// The election and the reading of the topic, to run beside the publisher; none without an election.
    var followingServices: [Service] { [leadership as Service?, tail as Service?].compactMap { $0 } }

    /// A snapshot read from `rankings`: taken in at the run loop's next wake.
    private func followed(_ message: KafkaMessage) {
        guard let value = message.value, let snapshot = try? RankingMessage.decode(value) else { return }
        inbox.withLock { $0.append((snapshot, value)) }
        changes.ring()
    }

    /// Keeps the snapshots followed that are newer than the replica's own of their list: as the last published.
    private func takeInFollowed() {
        for (snapshot, json) in inbox.withLock({ inbox in defer { inbox = [] }; return inbox }) {
            guard let list = HarmList(rawValue: snapshot.list), snapshot.version > published[list]?.version ?? 0 else {
                continue
            }
            published[list] = snapshot
            unsaved[list] = json
            board.setPublishedVersion(snapshot.version, of: list)
            live.published([(snapshot.list, json)])
        }
    }

    /// The board has changed: publish what is due.
    func listsChanged() { changes.ring() }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                var wait = Duration.seconds(1)
                do {
                    wait = try await self.publishDue() ?? wait
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("publishing rankings: \(error); retrying")
                }
                await self.changes.wait(timeout: wait)
            }
        }
    }

    /// Publishes the changed lists that are due; returns how long until the next pending one is.
    private func publishDue() async throws -> Duration? {
        takeInFollowed()
        if let leadership {
            guard leadership.isLeader else {
                await saveSent()
                return .seconds(1)
            }
            if caughtUpTerm != leadership.term {
                // Readers hold what is on the topic: read it to its end, then judge every list against it. Until
                // that succeeds nothing is published (a failure is retried at the next wake).
                let term = leadership.term
                try await tail?.caughtUp()
                caughtUpTerm = term
                takeInFollowed()
                schedule.changed(Set(board.lists), at: .now)
            }
        }
        // The board fills a partition at a time as the assigned partitions' state is loaded, and empties the same
        // way when they are revoked: a snapshot of it then would show readers a list emptied and refilled. A
        // partition still reading what its log held when it was assigned (a replica on an empty data dir) would
        // show them a list half built.
        guard status.isAssigned, status.isCaughtUp else { return .milliseconds(100) }
        // Hotspot risk decays as the clock crosses each record's week boundaries, and forecast features move at whole
        // days after each crime, scored or not; this loop wakes
        // at least once a second, which is when wall-clock time is worth reading.
        if board.clockMode == .wall { board.advanceClock(to: .now) }
        schedule.changed(board.takeChangedLists(), at: .now)
        let due = schedule.takeDue(at: .now)
        var messages: [RankingMessage] = []
        for list in due {
            let (top, asOf, took) = board.top(of: list)
            schedule.ranked(list, took: took, at: .now)
            let previous = published[list]?.snapshot ?? TopSnapshot(version: 0, entries: [])
            // A suspect list's entries go out again when its last snapshot named people who left it: `rankings` is
            // compacted, and its live message must not go on naming people who are no longer ranked. (Places are
            // not people, and cells leave the hotspot list all the time.)
            let namesSomeoneWhoLeft = list.entity == .suspect && published[list]?.diff.left.isEmpty == false
            guard top != previous.entries || namesSomeoneWhoLeft else { continue }
            let snapshot = TopSnapshot(version: previous.version + 1, entries: top)
            messages.append(
                RankingMessage(
                    list: list.rawValue, entity: list.entity.rawValue, asOf: asOf, snapshot: snapshot, previous: previous))
        }
        guard !messages.isEmpty else {
            await saveSent()
            return schedule.untilNextDue(after: .now)
        }
        // Marked unassigned before any partition leaves the board: still assigned now, the snapshots were whole.
        guard status.isAssigned else {
            schedule.notPublished(due)
            return .milliseconds(100)
        }
        let outgoing = messages.map { $0.outgoing(topic: topic) }
        do {
            try await producer.send(outgoing)
        } catch {
            // Taken as due but not out: ranked again on the retry, or they would wait for the next change.
            schedule.notPublished(due)
            throw error
        }
        // Out: readers hold these versions now, so the next snapshots follow them whether or not they are saved yet.
        live.published(zip(messages, outgoing).map { ($0.list, $1.value ?? []) })
        for (message, sent) in zip(messages, outgoing) {
            let list = HarmList(rawValue: message.list)!
            published[list] = message
            unsaved[list] = sent.value ?? []
            schedule.published(list, at: .now)
            board.setPublishedVersion(message.version, of: list)
        }
        schedule.changed(
            Set(messages.filter { !$0.diff.left.isEmpty }.compactMap { HarmList(rawValue: $0.list) }.filter { $0.entity == .suspect }),
            at: .now)
        logger.debug("published \(messages.map { "\($0.list) v\($0.version)" }.joined(separator: ", "))")
        await saveSent()
        return schedule.untilNextDue(after: .now)
    }

    /// Writes the snapshots sent and not yet on disk. Those that fail stay for the next wake, at most a second away;
    /// publishing goes on meanwhile, since readers depend on the topic and not on this file.
    private func saveSent() async {
        guard !unsaved.isEmpty else { return }
        let snapshots = unsaved
        do {
            try await database.write { db in
                for (list, json) in snapshots {
                    try db.execute(
                        sql: "INSERT INTO published (list, message) VALUES (?, ?) ON CONFLICT(list) DO UPDATE SET message = excluded.message",
                        arguments: [list.rawValue, String(decoding: json, as: UTF8.self)])
                }
            }
            unsaved = [:]
            if savingFailed {
                logger.notice("saving published snapshots works again; every version sent is on disk")
                savingFailed = false
            }
        } catch {
            if !savingFailed {
                logger.error("saving published snapshots: \(error); versions go on from those sent, the write is retried, and a restart before it succeeds would publish the unsaved versions' numbers again")
                savingFailed = true
            }
        }
    }
}
