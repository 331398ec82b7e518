import Foundation

/// How an `EntityScore` travels on `scores.suspect` and `scores.place`.
///
/// A suspect left with nothing counting is sent as a tombstone (null value, its sequence and clock in headers):
/// `scores.suspect` is compacted, so on a real cluster the tombstone erases the suspect's last score, and with it
/// their id and crimes, from the topic. Readers take it for the empty score it stands for.
extension EntityScore {
    static let sequenceHeader = "sequence"
    static let clockHeader = "clock"

    public func outgoing(topics: TopicCatalogue, partition: Int32) -> OutgoingMessage {
        if kind == .suspect && offences.isEmpty {
            return OutgoingMessage(
                topic: topics.scoresSuspect, key: id, value: nil,
                headers: [
                    KafkaHeader(Self.sequenceHeader, Array(String(sequence).utf8)),
                    KafkaHeader(Self.clockHeader, Array(String(clock.milliseconds).utf8)),
                ],
                partition: partition)
        }
        return OutgoingMessage(
            topic: kind == .suspect ? topics.scoresSuspect : topics.scoresPlace, key: id, value: json,
            partition: partition)
    }

    /// Reads a score message: a score's JSON, or a suspect's tombstone as the empty score it stands for.
    public static func decode(_ message: KafkaMessage) throws -> EntityScore {
        if let value = message.value { return try decode(value) }
        func header(_ name: String) -> Int64? {
            message.headers.first { $0.name == name }.flatMap { String(validating: $0.value, as: UTF8.self) }.flatMap { Int64($0) }
        }
        guard let key = message.key, let id = String(validating: key, as: UTF8.self), !id.isEmpty,
            let sequence = header(sequenceHeader), let clock = header(clockHeader)
        else {
            throw JSONValue.FieldError(description: "a score tombstone needs a key and sequence and clock headers")
        }
        return nothingCounting(suspect: id, sequence: sequence, clock: Instant(milliseconds: clock))
    }

    /// The score of a suspect with nothing counting: zero in every suspect list, as ScoreService computes it.
    public static func nothingCounting(suspect id: String, sequence: Int64, clock: Instant) -> EntityScore {
        EntityScore(
            kind: .suspect, id: id, sequence: sequence, clock: clock,
            standings: HarmList.lists(of: .suspect).map {
                Standing(list: $0, score: 0, offences: 0, lastOffenceAt: nil, components: nil)
            },
            offences: [], withdrawn: nil)
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
                                parts.field("harm", components.harm.hundredths)
                                parts.field("frequency", components.frequency)
                                parts.field("gravity", components.gravity.hundredths)
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
        var components: DauntlessComponents?
        try reader.members { reader, key throws(JSONValue.SyntaxError) in
            switch key {
            case "list": list = try HarmList.read(from: &reader)
            case "score": score = try reader.readInteger()
            case "offences": offences = try reader.readInteger()
            case "lastOffenceAt": lastOffenceAt = try reader.readNull() ? nil : try reader.readInteger()
            case "components": components = try reader.readNull() ? nil : try DauntlessComponents(reading: &reader)
            default: try reader.skipValue()
            }
        }
        guard let list, let score, let offences else { throw reader.error("a standing needs list, score and offences") }
        self.init(
            list: list, score: score, offences: Int(offences), lastOffenceAt: lastOffenceAt.map(Instant.init(milliseconds:)),
            components: components)
    }
}

extension DauntlessComponents {
    /// Reads components as score messages carry them: H and G in hundredths of a day.
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
            harm: Harm(hundredths: harm), frequency: Int(frequency), gravity: Harm(hundredths: gravity),
            recencyDays: recencyDays, victims: Int(victims), rfg: Int(rfg))
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
        if let ward { entry.field("ward", ward) }
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
        var lists: ListSet?, ward: String?
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
            case "ward": ward = try reader.readString()
            default: try reader.skipValue()
            }
        }
        guard let crimeRef, let version, let offenceCode, let harm, let occurredAt, let expiresAt, let lists else {
            throw reader.error("an offence needs crimeRef, version, offenceCode, harm, occurredAt, expiresAt and lists")
        }
        self.init(
            crimeRef: crimeRef, version: version, offenceCode: offenceCode, harm: harm,
            occurredAt: Instant(milliseconds: occurredAt), expiresAt: Instant(milliseconds: expiresAt), lists: lists,
            ward: ward)
    }
}
