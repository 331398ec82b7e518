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

    public static func decode(_ bytes: [UInt8]) throws -> EntityScore {
        var reader = try JSONReader(bytes)
        var kind: EntityKind?, id: String?, sequence: Int64?, clock: Int64?
        var standings: [Standing]?, offences: [Offence]?, withdrawn: [String]?
        try reader.members { reader, key throws(JSONValue.SyntaxError) in
            switch key {
            case "kind":
                kind = EntityKind(rawValue: try reader.readString())
                if kind == nil { throw reader.error("'kind' must be suspect, ward or cell") }
            case "id": id = try reader.readString()
            case "sequence": sequence = try reader.readInteger()
            case "clock": clock = try reader.readInteger()
            case "standings": standings = try reader.array(Standing.init(reading:))
            case "offences": offences = try reader.array(Offence.init(reading:))
            case "withdrawn":
                withdrawn = try reader.readNull()
                    ? nil : try reader.array { reader throws(JSONValue.SyntaxError) in try reader.readString() }
            default: try reader.skipValue()
            }
        }
        try reader.readEnd()
        guard let kind, let id, let sequence, let clock, let standings, let offences else {
            throw reader.error("a score needs kind, id, sequence, clock, standings and offences")
        }
        return EntityScore(
            kind: kind, id: id, sequence: sequence, clock: Instant(milliseconds: clock), standings: standings,
            offences: offences, withdrawn: withdrawn)
    }
}

extension EntityScore.Standing {
    init(reading reader: inout JSONReader) throws(JSONValue.SyntaxError) {
        var list: HarmList?, score: Int64?, offences: Int64?, lastOffenceAt: Int64?
        var components: EntityScore.Components?
        try reader.members { reader, key throws(JSONValue.SyntaxError) in
            switch key {
            case "list": list = try HarmList.read(from: &reader)
            case "score": score = try reader.readInteger()
            case "offences": offences = try reader.readInteger()
            case "lastOffenceAt": lastOffenceAt = try reader.readNull() ? nil : try reader.readInteger()
            case "components": components = try reader.readNull() ? nil : try EntityScore.Components(reading: &reader)
            default: try reader.skipValue()
            }
        }
        guard let list, let score, let offences else { throw reader.error("a standing needs list, score and offences") }
        self.init(
            list: list, score: score, offences: Int(offences), lastOffenceAt: lastOffenceAt.map(Instant.init(milliseconds:)),
            components: components)
    }
}

extension EntityScore.Components {
    init(reading reader: inout JSONReader) throws(JSONValue.SyntaxError) {
        var harm: Int64?, frequency: Int64?, gravity: Int64?, recencyDays: Int64?, victims: Int64?, rfg: Int64?
        try reader.members { reader, key throws(JSONValue.SyntaxError) in
            switch key {
            case "harm": harm = try reader.readInteger()
            case "frequency": frequency = try reader.readInteger()
            case "gravity": gravity = try reader.readInteger()
            case "recencyDays": recencyDays = try reader.readInteger()
            case "victims": victims = try reader.readInteger()
            case "rfg": rfg = try reader.readInteger()
            default: try reader.skipValue()
            }
        }
        guard let harm, let frequency, let gravity, let recencyDays, let victims, let rfg else {
            throw reader.error("components need harm, frequency, gravity, recencyDays, victims and rfg")
        }
        self.init(
            harm: harm, frequency: Int(frequency), gravity: gravity, recencyDays: recencyDays, victims: Int(victims),
            rfg: Int(rfg))
    }
}

extension HarmList {
    static func read(from reader: inout JSONReader) throws(JSONValue.SyntaxError) -> HarmList {
        let name = try reader.readString()
        guard let list = HarmList(rawValue: name) else { throw reader.error("unknown list '\(name)'") }
        return list
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

    /// Reads the offence's JSON, as `json` writes it.
    public static func decode(_ bytes: [UInt8]) throws -> EntityScore.Offence {
        var reader = try JSONReader(bytes)
        let offence = try EntityScore.Offence(reading: &reader)
        try reader.readEnd()
        return offence
    }

    init(reading reader: inout JSONReader) throws(JSONValue.SyntaxError) {
        var crimeRef: String?, version: Int64?, offenceCode: String?, harm: Int64?, occurredAt: Int64?, expiresAt: Int64?
        var lists: ListSet?
        try reader.members { reader, key throws(JSONValue.SyntaxError) in
            switch key {
            case "crimeRef": crimeRef = try reader.readString()
            case "version": version = try reader.readInteger()
            case "offenceCode": offenceCode = try reader.readString()
            case "harm": harm = try reader.readInteger()
            case "occurredAt": occurredAt = try reader.readInteger()
            case "expiresAt": expiresAt = try reader.readInteger()
            case "lists":
                var set = ListSet()
                try reader.elements { reader throws(JSONValue.SyntaxError) in set.insert(ListSet(try HarmList.read(from: &reader))) }
                lists = set
            default: try reader.skipValue()
            }
        }
        guard let crimeRef, let version, let offenceCode, let harm, let occurredAt, let expiresAt, let lists else {
            throw reader.error("an offence needs crimeRef, version, offenceCode, harm, occurredAt, expiresAt and lists")
        }
        self.init(
            crimeRef: crimeRef, version: version, offenceCode: offenceCode, harm: harm,
            occurredAt: Instant(milliseconds: occurredAt), expiresAt: Instant(milliseconds: expiresAt), lists: lists)
    }
}
