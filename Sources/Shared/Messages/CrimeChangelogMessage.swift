/// What flows on `crimes.changelog` (internal): IngestService's state, one partition of the changelog for each
/// partition of `offences.raw`, from which an instance that has no state file of its own rebuilds a partition.
///
/// A crime's latest accepted version is keyed by its crimeRef and carries the input offset it was accepted at; a
/// crime forgotten (it can count nowhere any more) is a tombstone; the partition's progress (the next input offset,
/// the event clock and how its records have ended) is keyed `#progress`, which no crimeRef can be. Every message is
/// whole for its key, so a compacted changelog keeps exactly what a rebuild needs.
public enum CrimeChangelogMessage: Sendable, Equatable {
    /// The latest accepted version of a crime, accepted from input offset `offset`.
    case crime(OffenceRecord, offset: Int64)
    /// A crime forgotten: it counts nowhere any more (data minimisation).
    case forgotten(crimeRef: String)
    /// How far the partition's state reaches.
    case progress(ChangelogProgress)

    static let progressKey = "#progress"

    /// The message for partition `partition` of `topic`.
    public func outgoing(topic: String, partition: Int32) -> OutgoingMessage {
        switch self {
        case .crime(let record, let offset):
            OutgoingMessage(topic: topic, key: record.crimeRef, value: Self.payload(record, offset: offset), partition: partition)
        case .forgotten(let crimeRef):
            OutgoingMessage(topic: topic, key: crimeRef, value: nil, partition: partition)
        case .progress(let progress):
            OutgoingMessage(topic: topic, key: Self.progressKey, value: progress.payload, partition: partition)
        }
    }

    /// Reads a changelog message; throws naming what is wrong with one HarmRank did not write.
    public static func decode(_ message: KafkaMessage) throws -> CrimeChangelogMessage {
        guard let keyBytes = message.key, let key = String(validating: keyBytes, as: UTF8.self) else {
            throw JSONValue.FieldError(description: "a changelog message needs a UTF-8 key")
        }
        guard let value = message.value else { return .forgotten(crimeRef: key) }
        let json = try JSONValue.parse(value)
        if key == progressKey { return .progress(try ChangelogProgress(json)) }
        let record = try Self.record(json)
        guard record.crimeRef == key else {
            throw JSONValue.FieldError(description: "crime '\(record.crimeRef)' under key '\(key)'")
        }
        return .crime(record, offset: try json.integer("offset"))
    }

    static func payload(_ record: OffenceRecord, offset: Int64) -> [UInt8] {
        var writer = JSONWriter()
        writer.object { crime in
            crime.field("crimeRef", record.crimeRef)
            crime.field("version", record.version)
            crime.field("status", record.status.rawValue)
            if let offenceCode = record.offenceCode { crime.field("offenceCode", offenceCode) }
            crime.field("occurredAt", record.occurredAt)
            if let reportedAt = record.reportedAt { crime.field("reportedAt", reportedAt) }
            if let wardCode = record.wardCode { crime.field("wardCode", wardCode) }
            if let location = record.location {
                crime.field("latitude", location.latitude)
                crime.field("longitude", location.longitude)
            }
            crime.field("flags", Int64(record.flags.rawValue))
            crime.array("suspects") { for suspect in record.suspects { $0.element(suspect) } }
            crime.array("victims") { for victim in record.victims { $0.element(victim) } }
            crime.field("offset", offset)
        }
        return writer.bytes
    }

    static func record(_ json: JSONValue) throws -> OffenceRecord {
        let statusName = try json.string("status")
        guard let status = OffenceRecord.Status(rawValue: statusName) else {
            throw JSONValue.FieldError(description: "'status' must be recorded or cancelled, not '\(statusName)'")
        }
        guard let flags = UInt8(exactly: try json.integer("flags")) else {
            throw JSONValue.FieldError(description: "'flags' must be a bit set of flags")
        }
        return OffenceRecord(
            crimeRef: try json.string("crimeRef"), version: try json.integer("version"), status: status,
            offenceCode: json["offenceCode"] == nil ? nil : try json.string("offenceCode"),
            occurredAt: Instant(milliseconds: try json.integer("occurredAt")),
            reportedAt: json["reportedAt"] == nil ? nil : Instant(milliseconds: try json.integer("reportedAt")),
            wardCode: json["wardCode"] == nil ? nil : try json.string("wardCode"),
            location: json["latitude"] == nil
                ? nil : OffenceRecord.Location(latitude: try json.double("latitude"), longitude: try json.double("longitude")),
            flags: OffenceRecord.Flags(rawValue: flags), suspects: try json.strings("suspects"),
            victims: try json.strings("victims"))
    }
}

/// How far a partition's state reaches, as its changelog records it with every batch.
public struct ChangelogProgress: Sendable, Equatable {
    /// The input offset of the first message not yet applied.
    public var nextOffset: Int64
    /// The partition's event clock, if it has one.
    public var clock: Instant?
    /// How the partition's records have ended, over the state's whole life.
    public var outcomes: [String: Int]

    public init(nextOffset: Int64, clock: Instant?, outcomes: [String: Int]) {
        self.nextOffset = nextOffset
        self.clock = clock
        self.outcomes = outcomes
    }

    init(_ json: JSONValue) throws {
        nextOffset = try json.integer("nextOffset")
        clock = json["clock"] == nil ? nil : Instant(milliseconds: try json.integer("clock"))
        guard case .object(let members)? = json["outcomes"] else {
            throw JSONValue.FieldError(description: "'outcomes' must be an object of counts")
        }
        outcomes = [:]
        for member in members {
            guard case .number(let literal) = member.value, let count = Int(literal) else {
                throw JSONValue.FieldError(description: "outcome '\(member.key)' must be a whole number")
            }
            outcomes[member.key] = count
        }
    }

    var payload: [UInt8] {
        var writer = JSONWriter()
        writer.object { progress in
            progress.field("nextOffset", nextOffset)
            if let clock { progress.field("clock", clock) }
            progress.object("outcomes") { counts in
                for (outcome, count) in outcomes.sorted(by: { $0.key < $1.key }) { counts.field(outcome, count) }
            }
        }
        return writer.bytes
    }
}
