import Foundation

/// What flows on `links.suspect` and `links.place` (internal topics): link changes, co-partitioned by entity, and the
/// event clock.
///
/// A link's key is `entity|crimeRef` and its partition comes from the entity id, so every change of one entity's
/// window reaches the one ScoreService instance owning it, in order. An add carries the link as JSON; a retraction
/// is a tombstone (null value, the version in a header), so that on a compacted topic it erases what it retracts;
/// so is a link of a crime forgotten once it has left every window (a `forgotten` header, no version), which
/// erases the last of it from the topic.
/// The event clock is a message keyed `clock` (ids cannot contain `|`, so no link has that key) sent to every
/// partition, so that every instance agrees on T. Wards and grid cells share `links.place`; a cell's links carry
/// a `kind` header.
public enum LinkMessage: Sendable, Equatable {
    case change(LinkChange)
    /// The crime left every window and IngestService forgot it: its link is erased from the topic.
    case forgotten(EntityRef, crimeRef: String)
    case clock(Instant)

    static let versionHeader = "version"
    static let forgottenHeader = "forgotten"
    static let kindHeader = "kind"

    /// The link topic of an entity kind.
    public static func topic(of kind: EntityKind, in topics: TopicCatalogue) -> String {
        kind == .suspect ? topics.linksSuspect : topics.linksPlace
    }

    /// The kind of entity a link topic carries unless a message's `kind` header says otherwise.
    public static func kind(of topic: String, in topics: TopicCatalogue) -> EntityKind? {
        topic == topics.linksSuspect ? .suspect : topic == topics.linksPlace ? .ward : nil
    }

    /// The partition of an entity's links and scores: Kafka's default hash of the entity id.
    public static func partition(of entity: EntityRef, partitionCount: Int32) -> Int32 {
        Partitioner.partition(forKey: Array(entity.id.utf8), partitionCount: partitionCount)
    }

    public static func outgoing(_ change: LinkChange, topics: TopicCatalogue, partitionCount: Int32) -> OutgoingMessage {
        let entity = change.entity
        let topic = topic(of: entity.kind, in: topics)
        let partition = partition(of: entity, partitionCount: partitionCount)
        let kindHeaders = entity.kind == .cell ? [KafkaHeader(kindHeader, Array(entity.kind.rawValue.utf8))] : []
        switch change {
        case .add(_, let link):
            return OutgoingMessage(
                topic: topic, key: "\(entity.id)|\(link.crimeRef)", value: payload(link), headers: kindHeaders,
                partition: partition)
        case .retract(_, let crimeRef, let version):
            return OutgoingMessage(
                topic: topic, key: "\(entity.id)|\(crimeRef)", value: nil,
                headers: [KafkaHeader(versionHeader, Array(String(version).utf8))] + kindHeaders, partition: partition)
        }
    }

    /// The tombstone erasing `entity`'s link to a forgotten crime.
    public static func outgoing(
        forgetting entity: EntityRef, crimeRef: String, topics: TopicCatalogue, partitionCount: Int32
    ) -> OutgoingMessage {
        let kindHeaders = entity.kind == .cell ? [KafkaHeader(kindHeader, Array(entity.kind.rawValue.utf8))] : []
        return OutgoingMessage(
            topic: topic(of: entity.kind, in: topics), key: "\(entity.id)|\(crimeRef)", value: nil,
            headers: [KafkaHeader(forgottenHeader, Array("1".utf8))] + kindHeaders,
            partition: partition(of: entity, partitionCount: partitionCount))
    }

    /// The clock T, for one partition of a link topic.
    public static func outgoing(clock: Instant, topic: String, partition: Int32) -> OutgoingMessage {
        OutgoingMessage(
            topic: topic, key: "clock", value: Array(String(clock.milliseconds).utf8), partition: partition)
    }

    /// Reads a message of a link topic; nil (with the problem) when it is not one HarmRank wrote.
    public static func decode(_ message: KafkaMessage, kind: EntityKind) -> Result<LinkMessage, LinkDecodingError> {
        guard let keyBytes = message.key, let key = String(validating: keyBytes, as: UTF8.self) else {
            return .failure(LinkDecodingError("no UTF-8 key"))
        }
        guard let separator = key.firstIndex(of: "|") else {
            guard key == "clock", let value = message.value, let text = String(validating: value, as: UTF8.self),
                let milliseconds = Int64(text)
            else { return .failure(LinkDecodingError("key '\(key)' is neither 'entity|crimeRef' nor a clock")) }
            return .success(.clock(Instant(milliseconds: milliseconds)))
        }
        var kind = kind
        if let header = message.headers.first(where: { $0.name == kindHeader }) {
            guard let named = EntityKind(rawValue: String(decoding: header.value, as: UTF8.self)) else {
                return .failure(LinkDecodingError("kind header '\(String(decoding: header.value, as: UTF8.self))' names no entity kind"))
            }
            kind = named
        }
        let entity = EntityRef(kind, String(key[..<separator]))
        let crimeRef = String(key[key.index(after: separator)...])
        guard let value = message.value else {
            if message.headers.contains(where: { $0.name == forgottenHeader }) {
                return .success(.forgotten(entity, crimeRef: crimeRef))
            }
            guard let header = message.headers.first(where: { $0.name == versionHeader }),
                let text = String(validating: header.value, as: UTF8.self), let version = Int64(text)
            else { return .failure(LinkDecodingError("retraction of \(key) without a version header")) }
            return .success(.change(.retract(entity, crimeRef: crimeRef, version: version)))
        }
        guard let link = try? link(from: value), link.crimeRef == crimeRef else {
            return .failure(LinkDecodingError("link \(key) is not valid JSON of a link"))
        }
        return .success(.change(.add(entity, link)))
    }

    // The JSON of an add, written and read by hand (every crime makes one or more): harm in hundredths, lists as
    // their bit set, times in milliseconds, victims and ward left out when there are none.

    static func payload(_ link: CrimeLink) -> [UInt8] {
        var writer = JSONWriter()
        writer.object { payload in
            payload.field("crimeRef", link.crimeRef)
            payload.field("version", link.version)
            payload.field("offenceCode", link.offenceCode)
            payload.field("harm", link.harm.hundredths)
            payload.field("lists", Int64(link.lists.rawValue))
            payload.field("occurredAt", link.occurredAt)
            if !link.victims.isEmpty {
                payload.array("victims") { victims in for victim in link.victims { victims.element(victim) } }
            }
            if let ward = link.ward { payload.field("ward", ward) }
        }
        return writer.bytes
    }

    static func link(from payload: [UInt8]) throws -> CrimeLink {
        let value = try JSONValue.parse(payload)
        guard let lists = UInt8(exactly: try value.integer("lists")) else {
            throw JSONValue.FieldError(description: "'lists' must be a bit set of lists")
        }
        let victims = value["victims"] == nil ? [] : try value.strings("victims")
        return CrimeLink(
            crimeRef: try value.string("crimeRef"), version: try value.integer("version"),
            offenceCode: try value.string("offenceCode"), harm: Harm(hundredths: try value.integer("harm")),
            lists: ListSet(rawValue: lists), occurredAt: Instant(milliseconds: try value.integer("occurredAt")),
            victims: victims, ward: value["ward"] == nil ? nil : try value.string("ward"))
    }
}

public struct LinkDecodingError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
