import Foundation

/// A record that was not accepted, as published on `offences.rejected` (CONTRACT.md section 1): the reason, a
/// detail naming the field, where it came from, when it was received, and the payload. The payload of a record
/// refused for a protected characteristic keeps its field names but not their values.
public struct DeadLetter: Sendable, Equatable {
    /// Where a refused record came from.
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        /// Read from a topic, at this partition and offset.
        case topic(String, partition: Int32, offset: Int64)
        /// Posted to IngestService's API.
        case http

        /// `topic/partition/offset`, or `http`.
        public var description: String {
            switch self {
            case .topic(let topic, let partition, let offset): "\(topic)/\(partition)/\(offset)"
            case .http: "http"
            }
        }
    }

    /// Why it was refused.
    public let rejection: Rejection
    /// Where it came from.
    public let source: Source
    /// When HarmRank received it.
    public let receivedAt: Instant
    /// What may be kept of the payload: the bytes as received, or redacted for a protected characteristic.
    public let payload: [UInt8]

    /// A dead letter, with the payload redacted if it was refused for a protected characteristic.
    public init(_ rejection: Rejection, source: Source, receivedAt: Instant, payload: some Collection<UInt8>) {
        self.rejection = rejection
        self.source = source
        self.receivedAt = receivedAt
        self.payload = rejection.reason == .protectedCharacteristic ? Self.redacted(payload) : Array(payload)
    }

    private static func redacted(_ payload: some Collection<UInt8>) -> [UInt8] {
        // That reason is only given to records that parse; were one not to, nothing of it would be kept.
        guard let document = try? JSONValue.parse(payload) else { return [] }
        return Array(ProtectedCharacteristics.redacted(document).text.utf8)
    }

    /// The message value: JSON, with the payload as text when it is UTF-8 and as `payloadBase64` when it is not.
    public var json: String {
        var members: [JSONValue.Member] = [
            .init(key: "reason", value: .string(rejection.reason.rawValue)),
            .init(key: "detail", value: .string(rejection.detail)),
            .init(key: "source", value: .string(source.description)),
            .init(key: "receivedAt", value: .string(receivedAt.rfc3339)),
        ]
        if let text = String(validating: payload, as: UTF8.self) {
            members.append(.init(key: "payload", value: .string(text)))
        } else {
            members.append(.init(key: "payloadBase64", value: .string(Data(payload).base64EncodedString())))
        }
        return JSONValue.object(members).text
    }
}
