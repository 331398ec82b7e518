import Foundation

/// An entity's standing after a change, as ScoreService publishes it on `scores.suspect` and `scores.place`
/// (internal topics; key the entity id, partition the entity's link partition, so compaction keeps the latest).
///
/// It carries everything RankService and NotifyService need and no more: the score in each list with its
/// components, and the crimes behind it, which explain the score offence by offence. Victim ids stay in
/// ScoreService; only their number (V) travels. `sequence` rises with each message of the partition, so a repeat
/// or an older message is recognised and ignored.
///
/// A score is either complete, listing every crime counting now, or a change, listing only the crimes whose
/// counting changed since the entity's previous score: those counting now in `offences`, those that stopped in
/// `withdrawn`. Suspects hold a handful of crimes and are always sent complete (NotifyService reads them one by
/// one); a ward holds thousands, and resending them all with every change was a fifth of ScoreService's work, so
/// places are sent as changes and their readers keep the crimes (`applied(to:)`).
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
        /// A bit set, not an array: a ward's score holds thousands of these and RankService copies them with
        /// every change, so an offence is plain data with nothing to retain.
        public var lists: ListSet

        /// The order of `offences`: latest first, then by crime reference.
        public static func latestFirst(_ a: Offence, _ b: Offence) -> Bool {
            a.occurredAt != b.occurredAt ? a.occurredAt > b.occurredAt : a.crimeRef.precedesBytewise(b.crimeRef)
        }
    }

    public var kind: EntityKind
    public var id: String
    public var sequence: Int64
    /// The clock T of the standing.
    public var clock: Instant
    /// One per list that ranks the entity's kind, in list order.
    public var standings: [Standing]
    /// Latest first: in a complete score the crimes counting now; in a change, those of them whose counting
    /// changed.
    public var offences: [Offence]
    /// In a change, the crimes that stopped counting (bytewise order); nil in a complete score.
    public var withdrawn: [String]?

    public var isChange: Bool { withdrawn != nil }

    public var entity: EntityRef { EntityRef(kind, id) }

    public func standing(in list: HarmList) -> Standing? { standings.first { $0.list == list } }

    public init(
        kind: EntityKind, id: String, sequence: Int64, clock: Instant, standings: [Standing], offences: [Offence],
        withdrawn: [String]? = nil
    ) {
        self.kind = kind
        self.id = id
        self.sequence = sequence
        self.clock = clock
        self.standings = standings
        self.offences = offences
        self.withdrawn = withdrawn
    }

    /// Reads the standing of `entity` from the windows: complete, or with `changedCrimes` a change covering them.
    public init(_ entity: EntityRef, in windows: HarmWindows, sequence: Int64, changedCrimes: [String]? = nil) {
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
        offences = windows.countingOffences(of: entity, among: changedCrimes).map { offence in
            Offence(
                crimeRef: offence.crimeRef, version: offence.version, offenceCode: offence.offenceCode,
                harm: offence.harm.hundredths, occurredAt: offence.occurredAt, expiresAt: offence.expiresAt,
                lists: offence.lists)
        }
        withdrawn = changedCrimes.map { changed in
            let counting = Set(offences.map(\.crimeRef))
            return changed.filter { !counting.contains($0) }
        }
    }

    /// The complete score this one makes of the complete score `held` (nil when none is held): a complete score
    /// stands as it is; a change replaces or removes the crimes it names.
    public func applied(to held: EntityScore?) -> EntityScore {
        guard let withdrawn else { return self }
        let named = Set(withdrawn).union(offences.map(\.crimeRef))
        var complete = self
        complete.withdrawn = nil
        // Both lists are latest first, so the sort only merges two runs.
        complete.offences = ((held?.offences ?? []).filter { !named.contains($0.crimeRef) } + offences)
            .sorted(by: Offence.latestFirst)
        return complete
    }

    public func outgoing(topics: TopicCatalogue, partition: Int32) -> OutgoingMessage {
        OutgoingMessage(
            topic: kind == .suspect ? topics.scoresSuspect : topics.scoresPlace, key: id, value: json,
            partition: partition)
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
                for offence in self.offences { offences.object(offence.write(into:)) }
            }
            if let withdrawn {
                score.array("withdrawn") { crimes in for crimeRef in withdrawn { crimes.element(crimeRef) } }
            }
        }
        return writer.bytes
    }

    static func list(named name: String) throws -> HarmList {
        guard let list = HarmList(rawValue: name) else { throw JSONValue.FieldError(description: "unknown list '\(name)'") }
        return list
    }

    public static func decode(_ bytes: [UInt8]) throws -> EntityScore {
        let value = try JSONValue.parse(bytes)
        guard let kind = EntityKind(rawValue: try value.string("kind")) else {
            throw JSONValue.FieldError(description: "'kind' must be suspect, ward or cell")
        }
        return EntityScore(
            kind: kind, id: try value.string("id"), sequence: try value.integer("sequence"),
            clock: Instant(milliseconds: try value.integer("clock")),
            standings: try value.elements("standings").map { entry in
                Standing(
                    list: try Self.list(named: try entry.string("list")), score: try entry.integer("score"),
                    offences: Int(try entry.integer("offences")),
                    lastOffenceAt: try entry.optionalInteger("lastOffenceAt").map(Instant.init(milliseconds:)),
                    components: try entry["components"].map { parts in
                        Components(
                            harm: try parts.integer("harm"), frequency: Int(try parts.integer("frequency")),
                            gravity: try parts.integer("gravity"), recencyDays: try parts.integer("recencyDays"),
                            victims: Int(try parts.integer("victims")), rfg: Int(try parts.integer("rfg")))
                    })
            },
            offences: try value.elements("offences").map(Offence.init(reading:)),
            withdrawn: try value["withdrawn"].map { _ in try value.strings("withdrawn") })
    }
}

extension EntityScore.Offence {
    /// Writes the offence's JSON fields, as a score message and RankService's state hold them.
    public func write(into entry: inout JSONWriter) {
        entry.field("crimeRef", crimeRef)
        entry.field("version", version)
        entry.field("offenceCode", offenceCode)
        entry.field("harm", harm)
        entry.field("occurredAt", occurredAt)
        entry.field("expiresAt", expiresAt)
        entry.array("lists") { lists in for list in self.lists.inListOrder { lists.element(list.rawValue) } }
    }

    /// The offence's JSON.
    public var json: [UInt8] {
        var writer = JSONWriter()
        writer.object(write(into:))
        return writer.bytes
    }

    public init(reading entry: JSONValue) throws {
        self.init(
            crimeRef: try entry.string("crimeRef"), version: try entry.integer("version"),
            offenceCode: try entry.string("offenceCode"), harm: try entry.integer("harm"),
            occurredAt: Instant(milliseconds: try entry.integer("occurredAt")),
            expiresAt: Instant(milliseconds: try entry.integer("expiresAt")),
            lists: ListSet(try entry.strings("lists").map(EntityScore.list(named:))))
    }
}
