/// What IngestService does with one input record, apart from reading and writing Kafka and SQLite: validate it,
/// compare it with the stored version of its crime, and say what follows (CONTRACT.md section 1). Every input
/// ends in exactly one outcome, so counts reconcile: raw = accepted + duplicates + stale + rejected.
public struct IngestStep: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Store the record as the crime's latest version and send these link changes (possibly none).
        case accepted(OffenceRecord, [LinkChange])
        case duplicate
        case stale(storedVersion: Int64)
        case rejected(DeadLetter)
    }

    public let validator: OffenceValidator
    public let revision: CrimeRevision

    public init(validator: OffenceValidator, hotspots: HotspotParameters = HotspotParameters()) {
        self.validator = validator
        revision = CrimeRevision(harmTable: validator.harmTable, hotspots: hotspots)
    }

    /// Judges records in order, each against the newest version before it: one accepted earlier in the same
    /// batch, else the one `stored` finds.
    public func process(
        _ records: [(payload: [UInt8], source: DeadLetter.Source)], receivedAt: Instant,
        stored: (String) throws -> OffenceRecord?
    ) rethrows -> [Outcome] {
        var newest: [String: OffenceRecord] = [:]
        return try records.map { record in
            let outcome = try process(record.payload, from: record.source, receivedAt: receivedAt) { crimeRef in
                try newest[crimeRef] ?? stored(crimeRef)
            }
            if case .accepted(let accepted, _) = outcome { newest[accepted.crimeRef] = accepted }
            return outcome
        }
    }

    /// `stored` looks up the latest accepted version of a crime by crimeRef.
    public func process(
        _ payload: [UInt8], from source: DeadLetter.Source, receivedAt: Instant,
        stored: (String) throws -> OffenceRecord?
    ) rethrows -> Outcome {
        let record: OffenceRecord
        switch validator.validate(payload, receivedAt: receivedAt) {
        case .success(let valid): record = valid
        case .failure(let rejection):
            return .rejected(DeadLetter(rejection, source: source, receivedAt: receivedAt, payload: payload))
        }
        switch revision.apply(record, over: try stored(record.crimeRef)) {
        case .accepted(let changes): return .accepted(record, changes)
        case .duplicate: return .duplicate
        case .stale(let storedVersion): return .stale(storedVersion: storedVersion)
        case .conflict(let rejection):
            return .rejected(DeadLetter(rejection, source: source, receivedAt: receivedAt, payload: payload))
        }
    }
}
