/// When a Dauntless+ alert is due (CONTRACT.md section 5), decided from a suspect's standing before and after a
/// change. Pure: no clock but the one given, no I/O. Cool-downs need the alerts already raised and are the
/// caller's (`AlertStore`).
public struct AlertRules: Sendable {
    /// Harm at or above which a domestic offence by a suspect who already has another one is an escalation.
    public var escalationHarm = Harm(days: 365)
    /// The same (suspect, kind) is not raised again within this much clock time.
    public var coolDown = Instant.days(28)
    /// In wall-clock mode, offences older than this raise no alert (they still count in scores).
    public var backfillHorizon: Int64? = Instant.days(30)
    /// The Dauntless+ cohort: the top N of the `dauntless` list.
    public var cohortSize = 100

    /// The rules with the contract's defaults.
    public init() {}

    /// What NotifyService remembers of a suspect between scores: the counting domestic crimes and V.
    public struct SuspectMemory: Sendable, Equatable {
        /// The suspect's counting domestic crimes, by reference, in byte order.
        public var domesticCrimes: [String]
        /// V: the distinct victims of those crimes.
        public var victims: Int

        /// A memory of these crimes and victims.
        public init(domesticCrimes: [String], victims: Int) {
            self.domesticCrimes = domesticCrimes
            self.victims = victims
        }

        /// What is to be remembered of `score`.
        public init(_ score: EntityScore) {
            domesticCrimes = score.offences.filter { $0.lists.contains(.dauntless) }.map(\.crimeRef).sortedBytewise()
            victims = score.standing(in: .dauntless)?.components?.victims ?? 0
        }

        /// The JSON NotifyService stores, read back by `init(json:)`. Written by hand since it is written for every
        /// suspect scored: Foundation's encoder was a tenth of NotifyService's work in a backfill.
        public var json: String {
            var writer = JSONWriter()
            writer.object { memory in
                memory.array("domesticCrimes") { crimes in for crimeRef in domesticCrimes { crimes.element(crimeRef) } }
                memory.field("victims", victims)
            }
            return String(decoding: writer.bytes, as: UTF8.self)
        }

        /// Reads the memory as `json` writes it.
        public init(json: String) throws {
            var reader = try JSONReader(json.utf8)
            var domesticCrimes: [String]?, victims: Int64?
            try reader.members { reader, key throws(JSONValue.SyntaxError) in
                switch key {
                case "domesticCrimes":
                    domesticCrimes = try reader.array { reader throws(JSONValue.SyntaxError) in try reader.readString() }
                case "victims": victims = try reader.readInteger()
                default: try reader.skipValue()
                }
            }
            try reader.readEnd()
            guard let domesticCrimes, let victims else { throw reader.error("a suspect's memory needs domesticCrimes and victims") }
            self.init(domesticCrimes: domesticCrimes, victims: Int(victims))
        }
    }

    /// An alert that is due, before cool-down, with the crimes that raised it.
    public struct Candidate: Sendable, Equatable {
        /// Why it is due.
        public let kind: Alert.Kind
        /// The crimes that make it due.
        public let crimes: [EntityScore.Offence]
    }

    /// Escalation and new-victim alerts raised by the domestic crimes new in `score` since `before`.
    public func candidates(before: SuspectMemory?, after score: EntityScore) -> [Candidate] {
        let known = Set(before?.domesticCrimes ?? [])
        let domestic = score.offences.filter { $0.lists.contains(.dauntless) }
        let fresh = domestic.filter { !known.contains($0.crimeRef) && isRecent($0.occurredAt, at: score.clock) }
        guard !fresh.isEmpty else { return [] }
        var candidates: [Candidate] = []
        let serious = fresh.filter { $0.harm >= escalationHarm.hundredths }
        if !serious.isEmpty, domestic.count >= 2 { candidates.append(Candidate(kind: .escalation, crimes: serious)) }
        let victims = score.standing(in: .dauntless)?.components?.victims ?? 0
        // A new crime that names a victim not seen before, bringing V to two or more.
        if victims > (before?.victims ?? 0), victims >= 2 { candidates.append(Candidate(kind: .newVictim, crimes: fresh)) }
        return candidates
    }

    /// Whether an offence is recent enough to alert on at `clock` (always, on the event clock).
    public func isRecent(_ occurredAt: Instant, at clock: Instant) -> Bool {
        backfillHorizon.map { occurredAt.milliseconds >= clock.milliseconds - $0 } ?? true
    }
}
