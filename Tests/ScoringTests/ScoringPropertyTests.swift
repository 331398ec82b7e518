import PropertyBased
import Testing

@testable import HarmRankCore
@testable import Shared
import TestSupport

/// The whole scoring core (revisions, link changes, windows, expiry, Dauntless+, ranked lists) driven by random
/// streams, compared after every step with `BruteForce` over the crime versions that survive; and the crimes a
/// reader keeps from score changes, compared with the complete scores.
@Suite struct ScoringPropertyTests {
    static let codes = ["8N", "105A", "19C", "20A", "8Q", "8U", "34B", "1", "46", "28E", "5D"]
    static let wardCodes = Array(Fixtures.wards.wards.prefix(5).map(\.code))

    /// What the services do, in one process: IngestService's ledger and revisions, ScoreService's windows,
    /// RankService's lists, and the crimes RankService keeps from every entity's score changes.
    struct Pipeline {
        var ledger: [String: OffenceRecord] = [:]
        var windows: HarmWindows
        var lists: [HarmList: RankedList] = [:]
        var standings: [HarmList: [String: ListStanding]] = [:]
        var explained: [EntityRef: EntityScore] = [:]
        var counts = (accepted: 0, duplicate: 0, stale: 0, conflict: 0)

        init(clock: Instant, wards: [String]) {
            windows = HarmWindows(clock: clock)
            for list in HarmList.scoredFromCrimes { lists[list] = RankedList(listsZeroScores: list == .stopSearchWards) }
            for ward in wards { lists[.stopSearchWards]!.update(ward, score: .zero) }
        }

        mutating func submit(_ record: OffenceRecord) {
            switch Fixtures.revision.apply(record, over: ledger[record.crimeRef]) {
            case .accepted(let changes):
                counts.accepted += 1
                ledger[record.crimeRef] = record
                for change in changes { windows.apply(change) }
            case .duplicate: counts.duplicate += 1
            case .stale: counts.stale += 1
            case .conflict: counts.conflict += 1
            }
            publish()
        }

        mutating func advance(to clock: Instant) {
            windows.advance(to: clock)
            publish()
        }

        mutating func publish() {
            for change in windows.takeChanges() {
                let entity = change.entity
                // Sent as a change (through its JSON, as RankService reads it) and kept as RankService keeps it.
                let sent = EntityScore(entity, in: windows, sequence: 0, changedCrimes: change.crimes)
                let kept = (try? EntityScore.decode(sent.json))!.applied(to: explained[entity])
                explained[entity] = kept.offences.isEmpty ? nil : kept
                for list in HarmList.lists(of: entity.kind) {
                    let standing = windows.standing(of: entity, in: list)
                    lists[list]!.update(entity.id, score: standing.score)
                    standings[list, default: [:]][entity.id] = standing
                }
            }
        }

        func check(_ context: @autoclosure () -> String) {
            for (entity, kept) in explained {
                #expect(kept.offences == EntityScore(entity, in: windows, sequence: 0).offences, "\(entity.id) after \(context())")
                // A suspect's domestic offence names the ward of the crime's latest version, which routes alerts.
                for offence in kept.offences where entity.kind == .suspect {
                    let ward = offence.lists.contains(.dauntless) ? ledger[offence.crimeRef]?.wardCode : nil
                    #expect(offence.ward == ward, "\(offence.crimeRef) of \(entity.id) after \(context())")
                }
            }
            for list in HarmList.scoredFromCrimes {
                for (id, standing) in standings[list] ?? [:] where standing.offences > 0 {
                    #expect(explained[EntityRef(list.entity, id)] != nil, "\(id) has crimes after \(context())")
                }
            }
            let expected = BruteForce.lists(
                of: ledger.values, table: Fixtures.harmTable, wards: ScoringPropertyTests.wardCodes, at: windows.clock)
            for list in HarmList.scoredFromCrimes {
                let ranked = lists[list]!.entries(limit: 100_000)
                let actual = ranked.map { entry in
                    let standing = standings[list]?[entry.id]
                    // Recency in days moves daily and is shown as of the clock; its points (rfg) are published
                    // when they change, and compared as published.
                    let dauntless = standing?.dauntless.map { published in
                        BruteForce.Components(
                            harm: published.harm, frequency: published.frequency, gravity: published.gravity,
                            recencyDays: windows.clock.wholeDays(since: standing!.lastOffenceAt!),
                            victims: published.victims, rfg: published.rfg)
                    }
                    return BruteForce.Entry(
                        id: entry.id, score: entry.score, offences: standing?.offences ?? 0,
                        lastOffenceAt: standing?.lastOffenceAt, dauntless: dauntless)
                }
                #expect(actual == expected[list]!, "\(list.rawValue) at \(windows.clock) after \(context())")
                for (index, entry) in ranked.enumerated() where index % 7 == 0 {
                    #expect(lists[list]!.rank(of: entry.id) == entry.rank)
                }
            }
        }
    }

    struct StreamGenerator {
        var random: SplitMix64
        var clock: Instant
        var nextCrime = 0

        mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        mutating func chance(_ percent: UInt64) -> Bool { random.next() % 100 < percent }
        mutating func some(_ prefix: String, _ pool: Int, upTo count: Int) -> [String] {
            Array(Set((0..<Int(random.next() % UInt64(count + 1))).map { _ in "\(prefix)\(random.next() % UInt64(pool))" }))
        }

        mutating func freshRecord(_ crimeRef: String, version: Int64) -> OffenceRecord {
            var occurredAt = clock - Int64(random.next() % UInt64(Instant.days(400)))
            if chance(10) { occurredAt = clock + Int64(random.next() % 300_000) }  // up to 5 minutes ahead
            var flags: OffenceRecord.Flags = []
            if chance(40) { flags.insert(.domestic) }
            if chance(30) { flags.insert(.weapon) }
            return OffenceRecord(
                crimeRef: crimeRef, version: version, offenceCode: pick(ScoringPropertyTests.codes), occurredAt: occurredAt,
                wardCode: chance(80) ? pick(ScoringPropertyTests.wardCodes) : nil, flags: flags,
                suspects: some("S", 12, upTo: 3), victims: some("V", 6, upTo: 2))
        }

        /// A later version that changes one thing, as crime records are revised.
        mutating func revised(_ stored: OffenceRecord) -> OffenceRecord {
            var next = stored
            next.version = stored.version + 1 + Int64(random.next() % 2)
            switch random.next() % 7 {
            case 0: next.offenceCode = pick(ScoringPropertyTests.codes)
            case 1: next.suspects = Array(Set(next.suspects + some("S", 12, upTo: 2))).sortedBytewise()
            case 2: next.suspects = next.suspects.filter { _ in chance(50) }
            case 3:
                next.status = stored.status == .recorded ? .cancelled : .recorded
                if next.status == .recorded, next.offenceCode == nil { next.offenceCode = pick(ScoringPropertyTests.codes) }
            case 4: next.wardCode = chance(80) ? pick(ScoringPropertyTests.wardCodes) : nil
            case 5: next.flags = OffenceRecord.Flags(rawValue: UInt8(random.next() % 4))
            default: next.occurredAt = stored.occurredAt - Int64(random.next() % UInt64(Instant.days(30))) + Instant.days(15)
            }
            return next
        }
    }

    @Test func incrementalListsEqualBruteForce() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...Int.max), Gen.int(in: 20...250)) { seed, steps in
            let start = Fixtures.received
            var generator = StreamGenerator(random: SplitMix64(seed: UInt64(seed)), clock: start)
            var pipeline = Pipeline(clock: start, wards: ScoringPropertyTests.wardCodes)
            for step in 0..<steps {
                let roll = generator.random.next() % 100
                var description = ""
                switch roll {
                case ..<35:
                    generator.nextCrime += 1
                    let record = generator.freshRecord("C\(generator.nextCrime)", version: 1)
                    // The event clock moves to the record before it is applied; sometimes the record arrives first.
                    if generator.chance(50) { pipeline.advance(to: max(generator.clock, record.occurredAt)) }
                    pipeline.submit(record)
                    description = "new \(record.crimeRef)"
                case ..<60:
                    guard let stored = pipeline.ledger.values.sorted(by: { $0.crimeRef < $1.crimeRef }).randomElement(using: &generator.random)
                    else { continue }
                    pipeline.submit(generator.revised(stored))
                    description = "revision of \(stored.crimeRef)"
                case ..<66:
                    guard let stored = pipeline.ledger.values.min(by: { $0.crimeRef < $1.crimeRef }) else { continue }
                    pipeline.submit(stored)
                    description = "duplicate"
                case ..<72:
                    guard let stored = pipeline.ledger.values.max(by: { $0.crimeRef < $1.crimeRef }) else { continue }
                    var stale = generator.revised(stored)
                    stale.version = stored.version - 1 - Int64(generator.random.next() % 2)
                    if stale.version >= 1 { pipeline.submit(stale) }
                    var conflicting = generator.revised(stored)
                    conflicting.version = stored.version
                    if conflicting != stored { pipeline.submit(conflicting) }
                    description = "stale and conflicting versions"
                case ..<90:
                    generator.clock = generator.clock + Int64(generator.random.next() % UInt64(Instant.days(20)))
                    pipeline.advance(to: generator.clock)
                    description = "clock +days"
                case ..<97:
                    generator.clock = generator.clock + Int64(generator.random.next() % UInt64(Instant.millisecondsPerDay))
                    pipeline.advance(to: generator.clock)
                    description = "clock +hours"
                default:
                    generator.clock = generator.clock + Instant.days(365) + Int64(generator.random.next() % UInt64(Instant.days(400)))
                    pipeline.advance(to: generator.clock)
                    description = "clock jump past the window"
                }
                generator.clock = max(generator.clock, pipeline.windows.clock)
                pipeline.check("step \(step): \(description)")
            }
            // Nothing leaks: once every crime has aged out, nothing is held. Each revision can move a crime up to 15
            // days later, past the clock, so the last to age out is the latest crime held, not the clock.
            let latest = pipeline.ledger.values.map(\.occurredAt).max().map { max($0, generator.clock) } ?? generator.clock
            pipeline.advance(to: latest + Instant.days(366))
            pipeline.check("final expiry")
            #expect(pipeline.windows.contributionCount == 0)
            #expect(pipeline.windows.entityCount == 0)
        }
    }

    /// A million random additions and removals: every sum equals the sum of what is held, to the hundredth.
    @Test func sumsStayExactOverAMillionChanges() {
        var random = SplitMix64(seed: 42)
        let clock = Fixtures.received
        var windows = HarmWindows(clock: clock)
        var held: [EntityRef: [String: Int64]] = [:]
        let entities = (0..<500).map { EntityRef(.suspect, "S\($0)") }
        for step in 1...1_000_000 {
            let entity = entities[Int(random.next() % 500)]
            let crimeRef = "C\(random.next() % 20)"
            if random.next() % 3 == 0 {
                windows.apply(.retract(entity, crimeRef: crimeRef, version: Int64(step)))
                held[entity]?[crimeRef] = nil
            } else {
                let harm = Int64(random.next() % 547_500)
                windows.apply(
                    .add(
                        entity,
                        CrimeLink(
                            crimeRef: crimeRef, version: Int64(step), offenceCode: "8N", harm: Harm(hundredths: harm),
                            lists: ListSet([.violenceHarm]), occurredAt: clock - Int64(random.next() % 1_000_000))))
                held[entity, default: [:]][crimeRef] = harm
            }
            if step % 50_000 == 0 { _ = windows.takeChanged() }
        }
        for entity in entities {
            let expected = held[entity]?.values.reduce(0, +) ?? 0
            #expect(windows.standing(of: entity, in: .violenceHarm).score == Harm(hundredths: expected), "\(entity)")
        }
    }
}
