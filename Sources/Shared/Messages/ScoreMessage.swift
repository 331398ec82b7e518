import Foundation

/// An entity's standing after a change, as ScoreService publishes it on `scores.suspect` and `scores.place`
/// (internal topics; key the entity id, partition the entity's link partition, so compaction keeps the latest).
///
/// It carries everything RankService and NotifyService need and no more: the score in each list with its
/// components, and the crimes counting now, which explain the score offence by offence. Victim ids stay in
/// ScoreService; only their number (V) travels. `sequence` rises by one with each message about the entity, so a
/// repeat after a crash, or an older message, is recognised and ignored.
public struct EntityScore: Sendable, Equatable {
    public struct Standing: Sendable, Equatable {
        public var list: HarmList
        /// Hundredths of a day.
        public var score: Int64
        public var offences: Int
        public var lastOffenceAt: Instant?
        public var components: Components?
    }

    /// Dauntless+ components (CONTRACT.md section 4).
    public struct Components: Sendable, Equatable {
        /// H and G in hundredths of a day.
        public var harm: Int64
        public var frequency: Int
        public var gravity: Int64
        public var recencyDays: Int64
        public var victims: Int
        public var rfg: Int
    }

    public struct Offence: Sendable, Equatable {
        public var crimeRef: String
        public var version: Int64
        public var offenceCode: String
        /// Hundredths of a day.
        public var harm: Int64
        public var occurredAt: Instant
        public var expiresAt: Instant
        public var lists: [HarmList]
    }

    public var kind: EntityKind
    public var id: String
    public var sequence: Int64
    /// The clock T of the standing.
    public var clock: Instant
    /// One per list that ranks the entity's kind, in list order.
    public var standings: [Standing]
    /// The crimes counting now, latest first.
    public var offences: [Offence]

    public var entity: EntityRef { EntityRef(kind, id) }

    public func standing(in list: HarmList) -> Standing? { standings.first { $0.list == list } }

    public init(
        kind: EntityKind, id: String, sequence: Int64, clock: Instant, standings: [Standing], offences: [Offence]
    ) {
        self.kind = kind
        self.id = id
        self.sequence = sequence
        self.clock = clock
        self.standings = standings
        self.offences = offences
    }

    /// Reads the standing of `entity` from the windows.
    public init(_ entity: EntityRef, in windows: HarmWindows, sequence: Int64) {
        kind = entity.kind
        id = entity.id
        self.sequence = sequence
        clock = windows.clock
        standings = HarmList.lists(of: entity.kind).map { list in
            let standing = windows.standing(of: entity, in: list)
            return Standing(
                list: list, score: standing.score.hundredths, offences: standing.offences,
                lastOffenceAt: standing.lastOffenceAt,
                components: standing.dauntless.map {
                    Components(
                        harm: $0.harm.hundredths, frequency: $0.frequency, gravity: $0.gravity.hundredths,
                        recencyDays: $0.recencyDays, victims: $0.victims, rfg: $0.rfg)
                })
        }
        offences = windows.countingOffences(of: entity).map { offence in
            Offence(
                crimeRef: offence.crimeRef, version: offence.version, offenceCode: offence.offenceCode,
                harm: offence.harm.hundredths, occurredAt: offence.occurredAt, expiresAt: offence.expiresAt,
                lists: HarmList.allCases.filter { offence.lists.contains($0) })
        }
    }

    /// Carries the sequence in a header too, so a reader that wants only each entity's latest score need not
    /// parse the others (`ScoreBatch`).
    public func outgoing(topics: TopicCatalogue, partition: Int32) -> OutgoingMessage {
        OutgoingMessage(
            topic: kind == .suspect ? topics.scoresSuspect : topics.scoresPlace, key: id, value: json,
            headers: [KafkaHeader(Self.sequenceHeader, Array(String(sequence).utf8))], partition: partition)
    }

    static let sequenceHeader = "sequence"

    /// The sequence of a score message, from its header.
    static func sequence(of message: KafkaMessage) -> Int64? {
        message.headers.first { $0.name == sequenceHeader }.flatMap { Int64(String(decoding: $0.value, as: UTF8.self)) }
    }

    // Written and read by hand: ScoreService writes one of these for every change and both readers parse every
    // one, and Foundation's Codable JSON was the largest cost of all three services. Times are milliseconds,
    // harm and scores hundredths of a day; absent optionals are left out.

    /// The message's JSON.
    public var json: [UInt8] {
        var writer = JSONWriter()
        writer.object { score in
            score.field("kind", kind.rawValue)
            score.field("id", id)
            score.field("sequence", sequence)
            score.field("clock", clock)
            score.array("standings") { standings in
                for standing in self.standings {
                    standings.object { entry in
                        entry.field("list", standing.list.rawValue)
                        entry.field("score", standing.score)
                        entry.field("offences", standing.offences)
                        if let last = standing.lastOffenceAt { entry.field("lastOffenceAt", last) }
                        if let components = standing.components {
                            entry.object("components") { parts in
                                parts.field("harm", components.harm)
                                parts.field("frequency", components.frequency)
                                parts.field("gravity", components.gravity)
                                parts.field("recencyDays", components.recencyDays)
                                parts.field("victims", components.victims)
                                parts.field("rfg", components.rfg)
                            }
                        }
                    }
                }
            }
            score.array("offences") { offences in
                for offence in self.offences {
                    offences.object { entry in
                        entry.field("crimeRef", offence.crimeRef)
                        entry.field("version", offence.version)
                        entry.field("offenceCode", offence.offenceCode)
                        entry.field("harm", offence.harm)
                        entry.field("occurredAt", offence.occurredAt)
                        entry.field("expiresAt", offence.expiresAt)
                        entry.array("lists") { lists in for list in offence.lists { lists.element(list.rawValue) } }
                    }
                }
            }
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws -> EntityScore {
        let value = try JSONValue.parse(bytes)
        func list(_ name: String) throws -> HarmList {
            guard let list = HarmList(rawValue: name) else { throw JSONValue.FieldError(description: "unknown list '\(name)'") }
            return list
        }
        guard let kind = EntityKind(rawValue: try value.string("kind")) else {
            throw JSONValue.FieldError(description: "'kind' must be suspect, ward or cell")
        }
        return EntityScore(
            kind: kind, id: try value.string("id"), sequence: try value.integer("sequence"),
            clock: Instant(milliseconds: try value.integer("clock")),
            standings: try value.elements("standings").map { entry in
                Standing(
                    list: try list(try entry.string("list")), score: try entry.integer("score"),
                    offences: Int(try entry.integer("offences")),
                    lastOffenceAt: try entry.optionalInteger("lastOffenceAt").map(Instant.init(milliseconds:)),
                    components: try entry["components"].map { parts in
                        Components(
                            harm: try parts.integer("harm"), frequency: Int(try parts.integer("frequency")),
                            gravity: try parts.integer("gravity"), recencyDays: try parts.integer("recencyDays"),
                            victims: Int(try parts.integer("victims")), rfg: Int(try parts.integer("rfg")))
                    })
            },
            offences: try value.elements("offences").map { entry in
                Offence(
                    crimeRef: try entry.string("crimeRef"), version: try entry.integer("version"),
                    offenceCode: try entry.string("offenceCode"), harm: try entry.integer("harm"),
                    occurredAt: Instant(milliseconds: try entry.integer("occurredAt")),
                    expiresAt: Instant(milliseconds: try entry.integer("expiresAt")),
                    lists: try entry.strings("lists").map(list))
            })
    }
}
