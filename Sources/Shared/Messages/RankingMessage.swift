import Foundation

/// A snapshot of one list's top entries with what changed since the previous one, as published on `rankings`
/// (public, versioned; key the list name). `schema` is the message format's version.
public struct RankingMessage: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var rank: Int
        public var id: String
        /// CCHI days.
        public var score: Double
    }

    public struct Diff: Sendable, Equatable {
        public struct Entered: Sendable, Equatable {
            public var id: String
            public var rank: Int
            public var score: Double
        }
        public struct Left: Sendable, Equatable {
            public var id: String
            public var previousRank: Int
        }
        public struct Moved: Sendable, Equatable {
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
                RankedList.Entry(rank: $0.rank, id: $0.id, score: Harm(roundingDays: $0.score))
            })
    }

    public func outgoing(topic: String) -> OutgoingMessage { OutgoingMessage(topic: topic, key: list, value: json) }

    /// The message's JSON, keys in sorted order as the API writes them. Written and read by hand, like the score
    /// messages: RankService publishes a snapshot of 100 entries each time a list moves, and Codable's encoder was
    /// most of its work.
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

    /// Reads a snapshot as `json` writes it.
    public static func decode(_ bytes: [UInt8]) throws -> RankingMessage {
        var reader = try JSONReader(bytes)
        let message = try RankingMessage(reading: &reader)
        try reader.readEnd()
        return message
    }

    init(reading reader: inout JSONReader) throws(JSONValue.SyntaxError) {
        var schema: Int64?, list: String?, entity: String?, version: Int64?, asOf: String?
        var entries: [Entry]?, diff: Diff?
        try reader.members { reader, key throws(JSONValue.SyntaxError) in
            switch key {
            case "schema": schema = try reader.readInteger()
            case "list": list = try reader.readString()
            case "entity": entity = try reader.readString()
            case "version": version = try reader.readInteger()
            case "asOf": asOf = try reader.readNull() ? nil : try reader.readString()
            case "entries": entries = try reader.array { reader throws(JSONValue.SyntaxError) in try Entry(reading: &reader) }
            case "diff": diff = try Diff(reading: &reader)
            default: try reader.skipValue()
            }
        }
        guard let schema, let list, let entity, let version, let entries, let diff else {
            throw reader.error("a ranking snapshot needs schema, list, entity, version, entries and diff")
        }
        self.schema = Int(schema)
        self.list = list
        self.entity = entity
        self.version = version
        self.asOf = asOf
        self.entries = entries
        self.diff = diff
    }
}

extension RankingMessage.Entry {
    init(reading reader: inout JSONReader) throws(JSONValue.SyntaxError) {
        var rank: Int64?, id: String?, score: Double?
        try reader.members { reader, key throws(JSONValue.SyntaxError) in
            switch key {
            case "rank": rank = try reader.readInteger()
            case "id": id = try reader.readString()
            case "score": score = try reader.readNumber()
            default: try reader.skipValue()
            }
        }
        guard let rank, let id, let score else { throw reader.error("an entry needs rank, id and score") }
        self.init(rank: Int(rank), id: id, score: score)
    }
}

extension RankingMessage.Diff {
    init(reading reader: inout JSONReader) throws(JSONValue.SyntaxError) {
        var entered: [Entered]?, left: [Left]?, moved: [Moved]?
        try reader.members { reader, key throws(JSONValue.SyntaxError) in
            switch key {
            case "entered": entered = try reader.array { reader throws(JSONValue.SyntaxError) in try Entered(reading: &reader) }
            case "left": left = try reader.array { reader throws(JSONValue.SyntaxError) in try Left(reading: &reader) }
            case "moved": moved = try reader.array { reader throws(JSONValue.SyntaxError) in try Moved(reading: &reader) }
            default: try reader.skipValue()
            }
        }
        guard let entered, let left, let moved else { throw reader.error("a diff needs entered, left and moved") }
        self.init(entered: entered, left: left, moved: moved)
    }
}

extension RankingMessage.Diff.Entered {
    init(reading reader: inout JSONReader) throws(JSONValue.SyntaxError) {
        var id: String?, rank: Int64?, score: Double?
        try reader.members { reader, key throws(JSONValue.SyntaxError) in
            switch key {
            case "id": id = try reader.readString()
            case "rank": rank = try reader.readInteger()
            case "score": score = try reader.readNumber()
            default: try reader.skipValue()
            }
        }
        guard let id, let rank, let score else { throw reader.error("an entered entry needs id, rank and score") }
        self.init(id: id, rank: Int(rank), score: score)
    }
}

extension RankingMessage.Diff.Left {
    init(reading reader: inout JSONReader) throws(JSONValue.SyntaxError) {
        var id: String?, previousRank: Int64?
        try reader.members { reader, key throws(JSONValue.SyntaxError) in
            switch key {
            case "id": id = try reader.readString()
            case "previousRank": previousRank = try reader.readInteger()
            default: try reader.skipValue()
            }
        }
        guard let id, let previousRank else { throw reader.error("a left entry needs id and previousRank") }
        self.init(id: id, previousRank: Int(previousRank))
    }
}

extension RankingMessage.Diff.Moved {
    init(reading reader: inout JSONReader) throws(JSONValue.SyntaxError) {
        var id: String?, from: Int64?, to: Int64?
        try reader.members { reader, key throws(JSONValue.SyntaxError) in
            switch key {
            case "id": id = try reader.readString()
            case "from": from = try reader.readInteger()
            case "to": to = try reader.readInteger()
            default: try reader.skipValue()
            }
        }
        guard let id, let from, let to else { throw reader.error("a moved entry needs id, from and to") }
        self.init(id: id, from: Int(from), to: Int(to))
    }
}
