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
    /// The entity's place in one list.
    public struct Standing: Sendable, Equatable {
        /// The list.
        public var list: HarmList
        /// Hundredths of a day.
        public var score: Int64
        /// The crimes counting in the list.
        public var offences: Int
        /// When the latest of them occurred.
        public var lastOffenceAt: Instant?
        /// Dauntless+ only: what the score is made of.
        public var components: DauntlessComponents?

        package init(list: HarmList, score: Int64, offences: Int, lastOffenceAt: Instant?, components: DauntlessComponents?) {
            self.list = list
            self.score = score
            self.offences = offences
            self.lastOffenceAt = lastOffenceAt
            self.components = components
        }
    }

    /// A crime behind a score.
    public struct Offence: Sendable, Equatable {
        /// The crime's reference.
        public var crimeRef: String
        /// The version of the record it was scored from.
        public var version: Int64
        /// The offence code it is recorded under.
        public var offenceCode: String
        /// Hundredths of a day.
        public var harm: Int64
        /// When it occurred.
        public var occurredAt: Instant
        /// When it leaves the 365-day window.
        public var expiresAt: Instant
        /// A bit set, not an array: a ward's score holds thousands of these and RankService copies them with
        /// every change, so an offence is plain data with nothing to retain.
        public var lists: ListSet
        /// A suspect's domestic offence only: the ward it was recorded in, where known.
        public var ward: String?

        package init(
            crimeRef: String, version: Int64, offenceCode: String, harm: Int64, occurredAt: Instant, expiresAt: Instant,
            lists: ListSet, ward: String? = nil
        ) {
            self.crimeRef = crimeRef
            self.version = version
            self.offenceCode = offenceCode
            self.harm = harm
            self.occurredAt = occurredAt
            self.expiresAt = expiresAt
            self.lists = lists
            self.ward = ward
        }

        /// The order of `offences`: latest first, then by crime reference.
        public static func latestFirst(_ a: Offence, _ b: Offence) -> Bool {
            a.occurredAt != b.occurredAt ? a.occurredAt > b.occurredAt : a.crimeRef.precedesBytewise(b.crimeRef)
        }
    }

    /// Suspect or ward.
    public var kind: EntityKind
    /// The suspect's id or the ward's code.
    public var id: String
    /// Rises with each score message of the partition.
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

    /// Whether this lists only what changed since the entity's previous score.
    public var isChange: Bool { withdrawn != nil }

    /// The entity scored.
    public var entity: EntityRef { EntityRef(kind, id) }

    /// The entity's standing in `list`, if that list ranks its kind.
    public func standing(in list: HarmList) -> Standing? { standings.first { $0.list == list } }

    /// A score of `kind` `id` at `clock`.
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
                components: standing.dauntless)
        }
        offences = windows.countingOffences(of: entity, among: changedCrimes).map { offence in
            Offence(
                crimeRef: offence.crimeRef, version: offence.version, offenceCode: offence.offenceCode,
                harm: offence.harm.hundredths, occurredAt: offence.occurredAt, expiresAt: offence.expiresAt,
                lists: offence.lists, ward: offence.ward)
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
}

extension EntityScore.Standing {
    /// The Dauntless+ components at clock `asOf` (nil for lists without components).
    public func components(asOf: Instant?) -> DauntlessComponents? {
        guard let components, let asOf, let lastOffenceAt else { return components }
        return components.asOf(asOf, mostRecent: lastOffenceAt)
    }
}
