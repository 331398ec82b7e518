import Foundation

/// A snapshot of one list's top entries with what changed since the previous one, as published on `rankings`
/// (public, versioned; key the list name). `schema` is the message format's version.
public struct RankingMessage: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var rank: Int
        public var id: String
        /// CCHI days.
        public var score: Double
    }

    public struct Diff: Codable, Sendable, Equatable {
        public struct Entered: Codable, Sendable, Equatable {
            public var id: String
            public var rank: Int
            public var score: Double
        }
        public struct Left: Codable, Sendable, Equatable {
            public var id: String
            public var previousRank: Int
        }
        public struct Moved: Codable, Sendable, Equatable {
            public var id: String
            public var from: Int
            public var to: Int
        }
        public var entered: [Entered]
        public var left: [Left]
        public var moved: [Moved]
    }

    public static let schemaVersion = 1

    public var schema = RankingMessage.schemaVersion
    public var list: String
    public var entity: String
    public var version: Int64
    /// The clock T of the snapshot, RFC 3339.
    public var asOf: String?
    public var entries: [Entry]
    public var diff: Diff

    public init(list: String, entity: String, asOf: Instant?, snapshot: TopSnapshot, previous: TopSnapshot) {
        self.list = list
        self.entity = entity
        version = snapshot.version
        self.asOf = asOf?.rfc3339
        entries = snapshot.entries.map { Entry(rank: $0.rank, id: $0.id, score: $0.score.days) }
        let diff = snapshot.diff(from: previous)
        self.diff = Diff(
            entered: diff.entered.map { .init(id: $0.id, rank: $0.rank, score: $0.score.days) },
            left: diff.left.map { .init(id: $0.id, previousRank: $0.previousRank) },
            moved: diff.moved.map { .init(id: $0.id, from: $0.from, to: $0.to) })
    }

    /// The snapshot the message carries (what the next diff is taken from after a restart).
    public var snapshot: TopSnapshot {
        TopSnapshot(
            version: version,
            entries: entries.map {
                RankedList.Entry(rank: $0.rank, id: $0.id, score: Harm(hundredths: Int64(($0.score * 100).rounded())))
            })
    }

    public func outgoing(topic: String) -> OutgoingMessage {
        OutgoingMessage(topic: topic, key: list, value: Array(try! JSONEncoder.api.encode(self)))
    }

    public static func decode(_ bytes: [UInt8]) throws -> RankingMessage {
        try JSONDecoder().decode(RankingMessage.self, from: Data(bytes))
    }
}
