import Foundation
import HeapUsage
import HarmRankCore

/// The windows of ScoreService and the lists of RankService together, as one value so that the work is done in
/// place (a struct read through a class property would be copied on every call).
struct ScoringCore {
    var windows: HarmWindows
    /// By `HarmList.bit`.
    var lists = HarmList.allCases.map { RankedList(listsZeroScores: $0 == .stopSearchWards) }

    /// A link change, then what ScoreService and RankService do after it: re-rank every changed entity.
    mutating func apply(_ change: LinkChange) {
        windows.apply(change)
        publishChanges()
    }

    mutating func publishChanges() {
        for entity in windows.takeChanged() {
            for list in HarmList.lists(of: entity.kind) {
                lists[list.bit].update(entity.id, score: windows.standing(of: entity, in: list).score)
            }
        }
    }
}

/// London-scale scoring state (DESIGN.md section 9): 36,000 suspects and 120,000 crimes in the window, spread
/// over the year, harm concentrated on a few suspects, with the four suspect and ward lists kept ranked, exactly
/// as ScoreService and RankService would hold them.
final class LondonState: @unchecked Sendable {
    static let suspects = 36_000
    static let crimes = 120_000
    static let codes = ["8N", "105A", "8Q", "8U", "8L", "19C", "20A", "34B", "5D", "3B", "8F", "28E"]

    let harmTable = try! HarmTable.shipped()
    let wards = try! WardRegistry.shipped()
    var core: ScoringCore
    /// Every link of the state, for drawing realistic updates from.
    var links: [(EntityRef, CrimeLink)] = []
    var random = SplitMix64(seed: 2025)
    var nextVersion: Int64 = 2
    /// The reference benchmark's state: a harm total per entity id and nothing else.
    var referenceSums: [String: Int64] = [:]
    /// Heap bytes added by the windows alone, and with the lists, after building.
    private(set) var windowBytes = 0
    private(set) var windowAndListBytes = 0

    /// Crime references like CRIS numbers ("5000123/25", 10 bytes, kept inside a Swift string) or, when
    /// `longCrimeRefs`, 20 bytes and more, which each need a heap allocation: the memory figure depends on it.
    let longCrimeRefs: Bool
    private var crimeNumber = 5_000_000

    init(longCrimeRefs: Bool = false) {
        self.longCrimeRefs = longCrimeRefs
        let clock = Instant(milliseconds: Instant.days(fromCivil: 2025, 6, 1) * Instant.millisecondsPerDay)
        core = ScoringCore(windows: HarmWindows(clock: clock))
        let before = Self.heapBytesInUse()
        let revision = CrimeRevision(harmTable: harmTable)
        for _ in 0..<Self.crimes {
            let record = randomRecord(clock: clock)
            for (entity, link) in revision.links(record) {
                links.append((entity, link))
                core.windows.apply(.add(entity, link))
            }
        }
        windowBytes = Self.heapBytesInUse() - before - links.capacity * MemoryLayout<(EntityRef, CrimeLink)>.stride
        for ward in wards.wards { core.lists[HarmList.stopSearchWards.bit].update(ward.code, score: .zero) }
        core.publishChanges()
        windowAndListBytes = Self.heapBytesInUse() - before - links.capacity * MemoryLayout<(EntityRef, CrimeLink)>.stride
    }

    func nextCrimeRef() -> String {
        crimeNumber += 1
        return longCrimeRefs ? "CRIS/2025/LONDON/\(crimeNumber)" : "\(crimeNumber)/25"
    }

    func randomRecord(clock: Instant) -> OffenceRecord {
        // A skewed draw gives the first suspects the most crimes (the busiest about 45), most suspects one or two.
        func suspect() -> String { "S\(Int(Double(Self.suspects) * pow(random.unit(), 1.3)))" }
        let suspectCount = random.below(100) < 80 ? 1 : (random.below(4) == 0 ? 3 : 2)
        var flags: OffenceRecord.Flags = []
        if random.below(100) < 45 { flags.insert(.domestic) }
        if random.below(100) < 10 { flags.insert(.weapon) }
        return OffenceRecord(
            crimeRef: nextCrimeRef(), version: 1, offenceCode: Self.codes[random.below(Self.codes.count)],
            occurredAt: clock - Int64(random.below(Int(Instant.days(365)))),
            wardCode: wards.wards[random.below(wards.wards.count)].code, flags: flags,
            suspects: Array(Set((0..<suspectCount).map { _ in suspect() })), victims: ["V\(random.below(60_000))"])
    }

    /// A realistic update: an existing link revised to a new version with a different harm (a reclassification).
    func nextUpdate() -> LinkChange {
        let (entity, link) = links[random.below(links.count)]
        nextVersion += 1
        let harm = link.harm == Harm(days: 365) ? Harm(days: 10) : Harm(days: 365)
        return .add(
            entity,
            CrimeLink(
                crimeRef: link.crimeRef, version: nextVersion, offenceCode: link.offenceCode, harm: harm, lists: link.lists,
                occurredAt: link.occurredAt, victims: link.victims, ward: link.ward))
    }


    /// Heap bytes in use (allocator statistics, so freed temporaries and page rounding are not counted).
    static func heapBytesInUse() -> Int { Int(heap_bytes_in_use()) }
}
