import Foundation
import GRDB
import Logging
import Shared

/// Publishes each list's top entries to `rankings` when they change, at most once per `interval` per list, with
/// the diff from the previous snapshot. The last snapshot of each list is kept on disk, so versions go on rising
/// and diffs stay right across restarts.
final class RankingPublisher: @unchecked Sendable {
    private let board: Board
    private let producer: KafkaProducer
    private let topic: String
    private let interval: Duration
    private let database: DatabaseQueue
    private let logger: Logger
    private var published: [HarmList: RankingMessage] = [:]
    private var lastPublished: [HarmList: ContinuousClock.Instant] = [:]
    private var pending: Set<HarmList> = []

    init(board: Board, producer: KafkaProducer, topic: String, interval: Duration, directory: String, logger: Logger)
        throws
    {
        self.board = board
        self.producer = producer
        self.topic = topic
        self.interval = interval
        self.logger = logger
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        database = try DatabaseQueue(path: "\(directory)/rankings-published.sqlite")
        try database.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS published (list TEXT PRIMARY KEY, message TEXT NOT NULL)")
        }
        for (name, json) in try database.read({ try Row.fetchAll($0, sql: "SELECT list, message FROM published") })
            .map({ ($0["list"] as String, $0["message"] as String) })
        {
            guard let list = HarmList(rawValue: name) else { continue }
            published[list] = try RankingMessage.decode(Array(json.utf8))
            board.setPublishedVersion(published[list]!.version, of: list)
        }
    }

    func publishIfDue() async throws {
        pending.formUnion(board.takeChangedLists())
        let now = ContinuousClock.now
        let due = HarmList.allCases.filter { list in
            pending.contains(list) && lastPublished[list].map { $0.duration(to: now) >= interval } ?? true
        }
        guard !due.isEmpty else { return }
        var messages: [RankingMessage] = []
        for list in due {
            pending.remove(list)
            let (top, clock) = board.top(of: list)
            let previous = published[list]?.snapshot ?? TopSnapshot(version: 0, entries: [])
            guard top != previous.entries else { continue }
            let snapshot = TopSnapshot(version: previous.version + 1, entries: top)
            messages.append(
                RankingMessage(
                    list: list.rawValue, entity: list.entity.rawValue, asOf: clock, snapshot: snapshot, previous: previous))
        }
        guard !messages.isEmpty else { return }
        try await producer.send(messages.map { $0.outgoing(topic: topic) })
        try await database.write { [messages] db in
            for message in messages {
                let json = String(decoding: try JSONEncoder.api.encode(message), as: UTF8.self)
                try db.execute(
                    sql: "INSERT INTO published (list, message) VALUES (?, ?) ON CONFLICT(list) DO UPDATE SET message = excluded.message",
                    arguments: [message.list, json])
            }
        }
        for message in messages {
            let list = HarmList(rawValue: message.list)!
            published[list] = message
            lastPublished[list] = now
            board.setPublishedVersion(message.version, of: list)
        }
        logger.debug("published \(messages.map { "\($0.list) v\($0.version)" }.joined(separator: ", "))")
    }
}
