import Foundation
import GRDB
import Hummingbird
import Shared

/// `POST /v1/offences` (CONTRACT.md section 8): a JSON array or NDJSON of offence records, judged as the
/// `offences.raw` consumer would judge them, answered with the outcome of each.
///
/// Durability comes from Kafka: the records accepted are written to `offences.raw` (keyed by crimeRef, every
/// in-sync replica acknowledging) before the answer, and the partition's owner applies them from there as it
/// applies any input. Duplicates and stale versions are judged against the crimes stored now and not sent;
/// rejected records are dead-lettered with source `http`.
struct OffenceIntake: Sendable {
    struct Answer: Codable, Equatable {
        struct Rejected: Codable, Equatable {
            var index: Int
            var reason: String
            var detail: String
        }
        var accepted = 0
        var duplicates = 0
        var stale = 0
        var rejected: [Rejected] = []
    }

    let step: IngestStep
    let producer: KafkaProducer
    let topics: TopicCatalogue
    let stateDirectory: String
    let status: ServiceStatus
    /// The largest body taken (`--max-body-mb`); a larger one is refused with 413.
    let maximumBodyBytes: Int

    func register(on router: Router<HarmRankRequestContext>) {
        router.requiring(.ingest).post("/v1/offences") { request, context in
            let body = try await request.wholeBody(upTo: maximumBodyBytes)
            let answer = try await receive(Self.records(in: Array(buffer: body)))
            return try jsonResponse(answer, status: .accepted)
        }
    }

    func receive(_ payloads: [[UInt8]]) async throws -> Answer {
        let receivedAt = Instant.now
        let rawPartitions = try await producer.partitionCount(of: topics.offencesRaw)
        var answer = Answer()
        var outgoing: [OutgoingMessage] = []
        let outcomes = try step.process(payloads.map { ($0, .http) }, receivedAt: receivedAt) { crimeRefs in
            let byPartition = Dictionary(grouping: crimeRefs) {
                Partitioner.partition(forKey: Array($0.utf8), partitionCount: rawPartitions)
            }
            return try byPartition.reduce(into: [:]) { found, entry in
                guard let file = try crimeFile(entry.key) else { return }
                found.merge(try file.read { try CrimeStore.latest(entry.value, in: $0) }) { $1 }
            }
        }
        for (index, (payload, outcome)) in zip(payloads, outcomes).enumerated() {
            switch outcome {
            case .accepted(let record, _):
                outgoing.append(OutgoingMessage(topic: topics.offencesRaw, key: record.crimeRef, value: payload))
                answer.accepted += 1
            case .duplicate: answer.duplicates += 1
            case .stale: answer.stale += 1
            case .rejected(let deadLetter):
                outgoing.append(DeadLetterMessage.outgoing(deadLetter, topics: topics))
                answer.rejected.append(
                    .init(index: index, reason: deadLetter.rejection.reason.rawValue, detail: deadLetter.rejection.detail))
                status.recordRejected()
            }
        }
        do {
            try await producer.send(outgoing)
        } catch {
            throw APIError(
                .serviceUnavailable, code: "not-stored",
                detail: "the records could not be written to Kafka (\(error)); nothing was accepted, send them again")
        }
        return answer
    }

    /// The crimes of an `offences.raw` partition, read only from the partition's state file; nil while this
    /// instance's data directory has none (another instance owns it, on a directory of its own). A record judged
    /// new here for want of the file is judged again by the partition's owner, which counts it as what it is.
    private func crimeFile(_ partition: Int32) throws -> DatabaseQueue? {
        let path = PartitionDatabase.path(directory: stateDirectory, topic: topics.offencesRaw, partition: partition)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// The records of a body: the elements of a JSON array, or the non-empty lines of NDJSON.
    static func records(in body: [UInt8]) throws -> [[UInt8]] {
        let first = body.first { ![UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains($0) }
        guard first == UInt8(ascii: "[") else {
            return body.split(separator: UInt8(ascii: "\n")).map { line in
                Array(line.last == UInt8(ascii: "\r") ? line.dropLast() : line)
            }.filter { line in !line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") } }
        }
        guard case .array(let elements) = try? JSONValue.parse(body) else {
            throw APIError(
                .badRequest, code: "malformed-json",
                detail: "the body starts with '[' but is not a JSON array; send a JSON array of records or one record per line (NDJSON)")
        }
        return elements.map { Array($0.text.utf8) }
    }
}
