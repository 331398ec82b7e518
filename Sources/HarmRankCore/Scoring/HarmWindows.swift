/// The rolling 365-day windows of a set of entities (the suspects and wards of one ScoreService partition):
/// per entity and list, the harm of the crimes that count at clock time T, kept exactly as links arrive and as
/// the clock moves (CONTRACT.md section 3).
///
/// A crime counts at T when `T - 365 days < occurredAt <= T`. Each contribution has one entry on a timeline
/// (a min-heap): its activation at `occurredAt` while it lies in the future, then its expiry 365 days later.
/// Moving the clock pops what is due, so a crime leaves every list at exactly the instant it ages out, whether or
/// not anything else arrives. Dauntless+ recency points also change with time alone; their boundaries are
/// scheduled on a second heap. Adds and retracts are idempotent per crime, and a link older than what an entity
/// holds for that crime is ignored, so replays after a crash change nothing.
///
/// Pure and single-threaded: no I/O, no locks. Memory is what an explanation needs and no more; a crime that
/// has aged out is forgotten.
public struct HarmWindows: Sendable {
    /// How long a crime counts after it occurred.
    public static let windowLength = Instant.days(365)

    /// The clock T the windows are at.
    public private(set) var clock: Instant
    /// Contributions held, counting or waiting to count.
    public private(set) var contributionCount = 0

    private var entities = Interner<EntityRef>()
    private var states: [EntityState] = []
    private var crimes = Interner<String>()
    private var victims = VictimStore()
    private var places = Interner<OffencePlace>()
    private var timeline = MinHeap<TimelineEntry>()
    private var recencyChecks = MinHeap<RecencyCheck>()
    private var changed: [Int32] = []

    /// Empty windows at `clock`.
    public init(clock: Instant) { self.clock = clock }

    /// Entities ever given a contribution, counting or not.
    public var entityCount: Int { entities.count }

    // MARK: Changes

    /// Adds or retracts one crime for one entity; a version older than the one held is ignored.
    public mutating func apply(_ change: LinkChange) {
        switch change {
        case .add(let entity, let link): add(link, to: entity)
        case .retract(let entity, let crimeRef, let version): retract(crimeRef, version: version, from: entity)
        }
    }

    private mutating func add(_ link: CrimeLink, to entity: EntityRef) {
        let lists = link.lists.intersection(.all(of: entity.kind))
        let expiresAt = link.occurredAt + Self.windowLength
        let counts = expiresAt > clock && !lists.isEmpty
        guard let entityID = entities.id(of: entity) ?? (counts ? createEntity(entity) : nil) else { return }
        // Held across the replacement so the crime keeps its id, and with it any timeline entry already scheduled.
        let crimeID = crimes.retain(link.crimeRef)
        defer { crimes.release(crimeID) }
        let index = states[Int(entityID)].index(of: crimeID)
        let replaced = index.map { states[Int(entityID)].contributions[$0] }
        if let replaced, link.version < replaced.version { return }
        guard counts else {
            if let index {
                removeContribution(at: index, of: entityID)
                markChanged(entityID)
            }
            return
        }
        // Names the replaced version shares keep their ids: a revision rarely hashes them again.
        let place = OffencePlace(offenceCode: link.offenceCode, ward: link.ward)
        let placeID: Int32
        if let replaced, places[replaced.place] == place {
            placeID = replaced.place
            places.retain(id: placeID)
        } else {
            placeID = places.retain(place)
        }
        let contribution = Contribution(
            version: link.version, occurredAt: link.occurredAt, harm: Int32(clamping: link.harm.hundredths),
            crime: crimeID, victims: victims.store(link.victims, sameAs: replaced?.victims), place: placeID,
            lists: lists, isCounting: link.occurredAt <= clock)
        if let index { removeContribution(at: index, of: entityID) }
        crimes.retain(id: crimeID)
        states[Int(entityID)].contributions.append(contribution)
        contributionCount += 1
        if contribution.isCounting {
            states[Int(entityID)].count(contribution, sign: 1)
            states[Int(entityID)].crimesChanged.append(link.crimeRef)
        }
        // A revision that keeps the crime's time keeps its timeline entry, which stays valid.
        if replaced.map({ $0.isCounting != contribution.isCounting || $0.occurredAt != contribution.occurredAt }) ?? true {
            schedule(contribution, of: entityID)
        } else if contribution.isCounting, contribution.lists.contains(.dauntless) {
            scheduleRecencyCheck(of: entityID)
        }
        markChanged(entityID)
    }

    private mutating func retract(_ crimeRef: String, version: Int64, from entity: EntityRef) {
        guard let entityID = entities.id(of: entity), let crimeID = crimes.id(of: crimeRef),
            let index = states[Int(entityID)].index(of: crimeID),
            version >= states[Int(entityID)].contributions[index].version
        else { return }
        removeContribution(at: index, of: entityID)
        markChanged(entityID)
    }

    /// Moves the clock forward (it never goes back): activates crimes whose time has come, expires those older
    /// than the window, and notes suspects whose Dauntless+ recency points dropped.
    public mutating func advance(to instant: Instant) {
        guard instant > clock else { return }
        clock = instant
        while let due = timeline.minimum, due.time <= clock {
            _ = timeline.removeMinimum()
            guard let index = states[Int(due.entity)].index(of: due.crime) else { continue }
            let contribution = states[Int(due.entity)].contributions[index]
            if !contribution.isCounting, contribution.occurredAt == due.time {
                states[Int(due.entity)].contributions[index].isCounting = true
                states[Int(due.entity)].count(contribution, sign: 1)
                states[Int(due.entity)].crimesChanged.append(crimes[due.crime])
                schedule(states[Int(due.entity)].contributions[index], of: due.entity)
                markChanged(due.entity)
            } else if contribution.isCounting, contribution.expiresAt == due.time {
                removeContribution(at: index, of: due.entity)
                markChanged(due.entity)
            }
        }
        while let due = recencyChecks.minimum, due.time <= clock {
            _ = recencyChecks.removeMinimum()
            guard states[Int(due.entity)].recencyCheckAt == due.time else { continue }
            states[Int(due.entity)].recencyCheckAt = nil
            markChanged(due.entity)
            scheduleRecencyCheck(of: due.entity)
        }
    }

    /// The entities whose standing may have changed since the last call, in the order they first changed.
    /// Entities left with nothing are forgotten here, after their final (zero) standing can still be read.
    public mutating func takeChanged() -> [EntityRef] { takeChanges().map(\.entity) }

    /// `takeChanged`, with the crimes of each entity that started or stopped counting, or were revised while
    /// counting: what a reader holding the entity's counting crimes must look at again.
    public mutating func takeChanges() -> [EntityChange] {
        let ids = changed
        changed.removeAll(keepingCapacity: true)
        var taken: [EntityChange] = []
        taken.reserveCapacity(ids.count)
        for id in ids {
            states[Int(id)].isChanged = false
            taken.append(EntityChange(entity: entities[id], crimes: Array(Set(states[Int(id)].crimesChanged)).sortedBytewise()))
            states[Int(id)].crimesChanged = []
            if states[Int(id)].contributions.isEmpty {
                entities.release(id)
                states[Int(id)] = EntityState()
            }
        }
        return taken
    }

    // MARK: Reading

    /// Where `entity` stands in `list` at the clock: score, counting offences, the latest, and for `dauntless`
    /// the components.
    public func standing(of entity: EntityRef, in list: HarmList) -> ListStanding {
        guard list.entity == entity.kind, let id = entities.id(of: entity) else {
            return ListStanding(score: .zero, offences: 0, lastOffenceAt: nil, dauntless: nil)
        }
        let contributions = states[Int(id)].contributions
        var lastOffenceAt: Instant?
        var gravity: Int32 = 0
        var distinctVictims = 0
        for (index, contribution) in contributions.enumerated()
        where contribution.isCounting && contribution.lists.contains(list) {
            if lastOffenceAt.map({ contribution.occurredAt > $0 }) ?? true { lastOffenceAt = contribution.occurredAt }
            guard list == .dauntless else { continue }
            gravity = max(gravity, contribution.harm)
            // A victim counts once, at the first counting domestic crime that names them: no set to allocate.
            victims.forEach(in: contribution.victims) { victim in
                let namedBefore = contributions[..<index].contains {
                    $0.isCounting && $0.lists.contains(.dauntless) && victims.contains(victim, in: $0.victims)
                }
                if !namedBefore { distinctVictims += 1 }
            }
        }
        let harm = Harm(hundredths: states[Int(id)].harm[list.bit])
        let offences = Int(states[Int(id)].offences[list.bit])
        guard list == .dauntless, let mostRecent = lastOffenceAt else {
            return ListStanding(score: harm, offences: offences, lastOffenceAt: lastOffenceAt, dauntless: nil)
        }
        let components = DauntlessComponents(
            harm: harm, frequency: offences, gravity: Harm(hundredths: Int64(gravity)), mostRecent: mostRecent,
            victims: distinctVictims, asOf: clock)
        return ListStanding(score: components.score, offences: offences, lastOffenceAt: mostRecent, dauntless: components)
    }

    /// Every crime counting for `entity` now, latest first (then by crimeRef): the explanation of its scores. With
    /// `crimeRefs`, only those of them.
    public func countingOffences(of entity: EntityRef, among crimeRefs: [String]? = nil) -> [CountingOffence] {
        guard let id = entities.id(of: entity) else { return [] }
        let wanted = crimeRefs.map { Set($0.compactMap { crimes.id(of: $0) }) }
        return states[Int(id)].contributions.filter { $0.isCounting && wanted?.contains($0.crime) ?? true }.map { contribution in
            let place = places[contribution.place]
            return CountingOffence(
                crimeRef: crimes[contribution.crime], version: contribution.version,
                offenceCode: place.offenceCode, harm: Harm(hundredths: Int64(contribution.harm)),
                occurredAt: contribution.occurredAt, expiresAt: contribution.expiresAt, lists: contribution.lists,
                victims: victims.names(of: contribution.victims).sortedBytewise(), ward: place.ward)
        }.sorted {
            $0.occurredAt != $1.occurredAt ? $0.occurredAt > $1.occurredAt : $0.crimeRef.precedesBytewise($1.crimeRef)
        }
    }

    // MARK: Internals

    private mutating func createEntity(_ entity: EntityRef) -> Int32 {
        let id = entities.retain(entity)
        if Int(id) == states.count { states.append(EntityState()) }
        return id
    }

    @discardableResult
    private mutating func removeContribution(at index: Int, of entityID: Int32) -> Contribution {
        let contribution = states[Int(entityID)].contributions.remove(at: index)
        contributionCount -= 1
        if contribution.isCounting {
            states[Int(entityID)].count(contribution, sign: -1)
            states[Int(entityID)].crimesChanged.append(crimes[contribution.crime])
            if contribution.lists.contains(.dauntless) { scheduleRecencyCheck(of: entityID) }
        }
        crimes.release(contribution.crime)
        places.release(contribution.place)
        victims.release(contribution.victims)
        return contribution
    }

    private mutating func markChanged(_ id: Int32) {
        guard !states[Int(id)].isChanged else { return }
        states[Int(id)].isChanged = true
        changed.append(id)
    }

    private mutating func schedule(_ contribution: Contribution, of entityID: Int32) {
        let time = contribution.isCounting ? contribution.expiresAt : contribution.occurredAt
        timeline.insert(TimelineEntry(time: time, entity: entityID, crime: contribution.crime))
        if contribution.isCounting, contribution.lists.contains(.dauntless) { scheduleRecencyCheck(of: entityID) }
        // Revisions leave superseded entries behind; they are skipped when due, and cleared out if they pile up.
        if timeline.count > 2 * contributionCount + 1024 {
            let states = states
            timeline.compact { entry in
                guard let index = states[Int(entry.entity)].index(of: entry.crime) else { return false }
                let live = states[Int(entry.entity)].contributions[index]
                return entry.time == (live.isCounting ? live.expiresAt : live.occurredAt)
            }
        }
    }

    private func nextRecencyBoundary(of entityID: Int32) -> Instant? {
        guard let mostRecent = states[Int(entityID)].mostRecentDomestic else { return nil }
        return DauntlessComponents.recencyBoundaryDays.lazy.map { mostRecent + Instant.days($0) }.first { $0 > clock }
    }

    /// Each entity has at most one live recency check, the one its state names; older entries are skipped.
    private mutating func scheduleRecencyCheck(of entityID: Int32) {
        let boundary = nextRecencyBoundary(of: entityID)
        guard boundary != states[Int(entityID)].recencyCheckAt else { return }
        states[Int(entityID)].recencyCheckAt = boundary
        guard let boundary else { return }
        recencyChecks.insert(RecencyCheck(time: boundary, entity: entityID))
        if recencyChecks.count > 2 * entities.count + 1024 {
            let states = states
            recencyChecks.compact { states[Int($0.entity)].recencyCheckAt == $0.time }
        }
    }
}

/// One entity's standing in one list.
public struct ListStanding: Sendable, Hashable {
    /// The entity's score in the list.
    public let score: Harm
    /// The crimes counting in the list.
    public let offences: Int
    /// When the latest of them occurred.
    public let lastOffenceAt: Instant?
    /// Dauntless+ only: what the score is made of.
    public let dauntless: DauntlessComponents?
}

/// An entity whose standing may have changed, and the crimes whose counting changed with it.
public struct EntityChange: Sendable, Equatable {
    /// The entity.
    public let entity: EntityRef
    /// Bytewise order.
    public let crimes: [String]
}

/// A crime counting for an entity, with what an explanation shows.
public struct CountingOffence: Sendable, Hashable {
    /// The crime's reference.
    public let crimeRef: String
    /// The version of the record it counts from.
    public let version: Int64
    /// The offence code it is recorded under.
    public let offenceCode: String
    /// Its CCHI harm.
    public let harm: Harm
    /// When it occurred.
    public let occurredAt: Instant
    /// When it leaves the window.
    public let expiresAt: Instant
    /// The lists it counts for, for this entity.
    public let lists: ListSet
    /// Domestic offences of a suspect only: the victims, for V.
    public let victims: [String]
    /// Domestic offences of a suspect only: the ward it was recorded in, where known.
    public let ward: String?
}

/// An offence code, and for a suspect's domestic offence the ward: interned together, so a contribution stays
/// 32 bytes. There are few distinct pairs (codes times wards), however many contributions share them.
struct OffencePlace: Hashable, Sendable {
    var offenceCode: String
    var ward: String?
}

/// What one crime contributes to one entity. Plain data in 32 bytes: there are hundreds of thousands of them, so
/// harm, lists and the counting flag share one word.
struct Contribution: Sendable {
    var version: Int64
    var occurredAt: Instant
    var crime: Int32
    /// The offence code and ward (`OffencePlace`), interned.
    var place: Int32
    var victims: VictimRef
    /// Harm in the low 26 bits, the lists in the next 5, whether it counts in the top bit.
    private var packed: UInt32

    /// The largest harm a contribution holds, in hundredths: above the harm table's cap (`HarmTable.maximumHarm`).
    static let harmLimit: Int32 = (1 << 26) - 1

    init(
        version: Int64, occurredAt: Instant, harm: Int32, crime: Int32, victims: VictimRef, place: Int32,
        lists: ListSet, isCounting: Bool
    ) {
        self.version = version
        self.occurredAt = occurredAt
        self.crime = crime
        self.place = place
        self.victims = victims
        packed = 0
        self.harm = harm
        self.lists = lists
        self.isCounting = isCounting
    }

    /// Hundredths of a day.
    var harm: Int32 {
        get { Int32(packed & UInt32(Self.harmLimit)) }
        set { packed = packed & ~UInt32(Self.harmLimit) | UInt32(min(max(newValue, 0), Self.harmLimit)) }
    }

    var lists: ListSet {
        get { ListSet(rawValue: UInt8(packed >> 26 & 0x1F)) }
        set { packed = packed & ~(0x1F << 26) | UInt32(newValue.rawValue & 0x1F) << 26 }
    }

    /// False while `occurredAt` is after the clock (a wall-clock record up to five minutes ahead).
    var isCounting: Bool {
        get { packed >> 31 != 0 }
        set { packed = packed & ~(1 << 31) | (newValue ? 1 << 31 : 0) }
    }

    var expiresAt: Instant { occurredAt + HarmWindows.windowLength }
}

struct EntityState: Sendable {
    var contributions: [Contribution] = []
    /// Per list (by `HarmList.bit`): harm in hundredths and number of counting crimes.
    var harm = PerList<Int64>(0)
    var offences = PerList<Int32>(0)
    var isChanged = false
    /// Crimes whose counting contribution appeared, changed or left since the entity was last taken as changed.
    var crimesChanged: [String] = []
    /// When the Dauntless+ recency points next drop, if a check is scheduled.
    var recencyCheckAt: Instant?

    func index(of crime: Int32) -> Int? { contributions.firstIndex { $0.crime == crime } }

    /// When the latest counting domestic offence occurred: what Dauntless+ recency is measured from.
    var mostRecentDomestic: Instant? {
        contributions.lazy.filter { $0.isCounting && $0.lists.contains(.dauntless) }.map(\.occurredAt).max()
    }

    mutating func count(_ contribution: Contribution, sign: Int32) {
        for list in HarmList.allCases where contribution.lists.contains(list) {
            harm[list.bit] += Int64(sign) * Int64(contribution.harm)
            offences[list.bit] += sign
        }
    }
}

/// One value per list, stored inline: no allocation per entity.
struct PerList<Value: Sendable>: Sendable {
    private var values: (Value, Value, Value, Value, Value)

    init(_ value: Value) { values = (value, value, value, value, value) }

    subscript(bit: Int) -> Value {
        get {
            switch bit {
            case 0: values.0
            case 1: values.1
            case 2: values.2
            case 3: values.3
            default: values.4
            }
        }
        set {
            switch bit {
            case 0: values.0 = newValue
            case 1: values.1 = newValue
            case 2: values.2 = newValue
            case 3: values.3 = newValue
            default: values.4 = newValue
            }
        }
    }
}

struct TimelineEntry: Comparable, Hashable, Sendable {
    let time: Instant
    let entity: Int32
    let crime: Int32

    static func < (a: TimelineEntry, b: TimelineEntry) -> Bool {
        (a.time, a.entity, a.crime) < (b.time, b.entity, b.crime)
    }
}

struct RecencyCheck: Comparable, Hashable, Sendable {
    let time: Instant
    let entity: Int32

    static func < (a: RecencyCheck, b: RecencyCheck) -> Bool { (a.time, a.entity) < (b.time, b.entity) }
}
