import Foundation

/// An entity's standing after a change, as ScoreService publishes it on `scores.suspect` and `scores.place`
/// (internal topics; key the entity id, partition the entity's link partition, so compaction keeps the latest).
///
/// It carries everything RankService and NotifyService need and no more: the score in each list with its
/// components, and the crimes counting now, which explain the score offence by offence. Victim ids stay in
/// ScoreService; only their number (V) travels. `sequence` rises by one with each message about the entity, so a
/// repeat after a crash, or an older message, is recognised and ignored.
public struct EntityScore: Codable, Sendable, Equatable {
    public struct Standing: Codable, Sendable, Equatable {
        public var list: HarmList
        /// Hundredths of a day.
        public var score: Int64
        public var offences: Int
        public var lastOffenceAt: Instant?
        public var components: Components?
    }

    /// Dauntless+ components (CONTRACT.md section 4).
    public struct Components: Codable, Sendable, Equatable {
        /// H and G in hundredths of a day.
        public var harm: Int64
        public var frequency: Int
        public var gravity: Int64
        public var recencyDays: Int64
        public var victims: Int
        public var rfg: Int
    }

    public struct Offence: Codable, Sendable, Equatable {
        public var crimeRef: String
        public var version: Int64
        public var offenceCode: String
        /// Hundredths of a day.
        public var harm: Int64
        public var occurredAt: Instant
        public var expiresAt: Instant
        public var lists: [HarmList]
    }

    public var kind: EntityKind
    public var id: String
    public var sequence: Int64
    /// The clock T of the standing.
    public var clock: Instant
    /// One per list that ranks the entity's kind, in list order.
    public var standings: [Standing]
    /// The crimes counting now, latest first.
    public var offences: [Offence]

    public var entity: EntityRef { EntityRef(kind, id) }

    public func standing(in list: HarmList) -> Standing? { standings.first { $0.list == list } }

    /// Reads the standing of `entity` from the windows.
    public init(_ entity: EntityRef, in windows: HarmWindows, sequence: Int64) {
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
        offences = windows.countingOffences(of: entity).map { offence in
            Offence(
                crimeRef: offence.crimeRef, version: offence.version, offenceCode: offence.offenceCode,
                harm: offence.harm.hundredths, occurredAt: offence.occurredAt, expiresAt: offence.expiresAt,
                lists: HarmList.allCases.filter { offence.lists.contains($0) })
        }
    }

    public func outgoing(topics: TopicCatalogue, partition: Int32) -> OutgoingMessage {
        OutgoingMessage(
            topic: kind == .suspect ? topics.scoresSuspect : topics.scoresPlace, key: id,
            value: Array(try! Self.encoder.encode(self)), partition: partition)
    }

    public static func decode(_ bytes: [UInt8]) throws -> EntityScore { try decoder.decode(EntityScore.self, from: Data(bytes)) }

    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()
}
