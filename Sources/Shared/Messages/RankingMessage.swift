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

    public func outgoing(topic: String) -> OutgoingMessage { OutgoingMessage(topic: topic, key: list, value: json) }

    /// The message's JSON, keys in sorted order as the API writes them. Written by hand: RankService publishes a
    /// snapshot of 100 entries each time a list moves, and Codable's encoder was most of its work.
    public var json: [UInt8] {
        var writer = JSONWriter()
        writer.object { message in
            if let asOf { message.field("asOf", asOf) }
            message.object("diff") { diff in
                diff.array("entered") { entered in
                    for entry in self.diff.entered {
                        entered.object { item in
                            item.field("id", entry.id)
                            item.field("rank", entry.rank)
                            item.field("score", entry.score)
                        }
                    }
                }
                diff.array("left") { left in
                    for entry in self.diff.left {
                        left.object { item in
                            item.field("id", entry.id)
                            item.field("previousRank", entry.previousRank)
                        }
                    }
                }
                diff.array("moved") { moved in
                    for entry in self.diff.moved {
                        moved.object { item in
                            item.field("from", entry.from)
                            item.field("id", entry.id)
                            item.field("to", entry.to)
                        }
                    }
                }
            }
            message.field("entity", entity)
            message.array("entries") { entries in
                for entry in self.entries {
                    entries.object { item in
                        item.field("id", entry.id)
                        item.field("rank", entry.rank)
                        item.field("score", entry.score)
                    }
                }
            }
            message.field("list", list)
            message.field("schema", schema)
            message.field("version", version)
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws -> RankingMessage {
        try JSONDecoder().decode(RankingMessage.self, from: Data(bytes))
    }
}
