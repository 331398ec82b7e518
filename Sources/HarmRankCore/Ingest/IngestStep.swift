/// What IngestService does with one input record, apart from reading and writing Kafka and SQLite: validate it,
/// compare it with the stored version of its crime, and say what follows (CONTRACT.md section 1). Every input
/// ends in exactly one outcome, so counts reconcile: raw = accepted + duplicates + stale + rejected.
public struct IngestStep: Sendable {
    /// What became of one input record.
    public enum Outcome: Sendable, Equatable {
        /// Store the record as the crime's latest version and send these link changes (possibly none).
        case accepted(OffenceRecord, [LinkChange])
        /// The stored version again, unchanged: ignored.
        case duplicate
        /// Older than the stored version: ignored and counted.
        case stale(storedVersion: Int64)
        /// Refused: goes to `offences.rejected`.
        case rejected(DeadLetter)
    }

    /// Checks each record.
    public let validator: OffenceValidator
    /// Compares it with the stored version.
    public let revision: CrimeRevision

    /// A step that validates with `validator` and places cells by `hotspots`.
    public init(validator: OffenceValidator, hotspots: HotspotParameters = HotspotParameters()) {
        self.validator = validator
        revision = CrimeRevision(harmTable: validator.harmTable, hotspots: hotspots)
    }

    /// Judges records in order, each against the newest version before it: one accepted earlier in the same
    /// batch, else the stored one. `stored` is asked once for the whole batch, with the crimeRef of every valid
    /// record (each once, in order of first appearance), and answers the stored versions it has.
    public func process(
        _ records: [(payload: [UInt8], source: DeadLetter.Source)], receivedAt: Instant,
        stored: ([String]) throws -> [String: OffenceRecord]
    ) rethrows -> [Outcome] {
        let validated = records.map { validator.validate($0.payload, receivedAt: receivedAt) }
        var asked = Set<String>()
        let crimeRefs = validated.compactMap { validation -> String? in
            guard case .success(let record) = validation, asked.insert(record.crimeRef).inserted else { return nil }
            return record.crimeRef
        }
        var newest = crimeRefs.isEmpty ? [:] : try stored(crimeRefs)
        newest.reserveCapacity(crimeRefs.count)
        return zip(records, validated).map { input, validation in
            let record: OffenceRecord
            switch validation {
            case .success(let valid): record = valid
            case .failure(let rejection):
                return .rejected(DeadLetter(rejection, source: input.source, receivedAt: receivedAt, payload: input.payload))
            }
            switch revision.apply(record, over: newest[record.crimeRef]) {
            case .accepted(let changes):
                newest[record.crimeRef] = record
                return .accepted(record, changes)
            case .duplicate: return .duplicate
            case .stale(let storedVersion): return .stale(storedVersion: storedVersion)
            case .conflict(let rejection):
                return .rejected(DeadLetter(rejection, source: input.source, receivedAt: receivedAt, payload: input.payload))
            }
        }
    }
}
