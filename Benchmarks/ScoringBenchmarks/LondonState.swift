import Foundation
import Shared

/// London-scale scoring state (DESIGN.md section 9): 36,000 suspects and 120,000 crimes in the window, spread
/// over the year, harm concentrated on a few suspects, with the four suspect and ward lists kept ranked, exactly
/// as ScoreService and RankService would hold them.
final class LondonState: @unchecked Sendable {
    static let suspects = 36_000
    static let crimes = 120_000
    static let codes = ["8N", "105A", "8Q", "8U", "8L", "19C", "20A", "34B", "5D", "3B", "8F", "28E"]

    let harmTable = try! HarmTable.shipped()
    let wards = try! WardRegistry.shipped()
    var windows: HarmWindows
    var lists: [HarmList: RankedList] = [:]
    /// Every link of the state, for drawing realistic updates from.
    var links: [(EntityRef, CrimeLink)] = []
    var random = SplitMix64(seed: 2025)
    var nextVersion: Int64 = 2
    /// Resident bytes added by the windows alone, and with the lists, after building.
    private(set) var windowBytes = 0
    private(set) var windowAndListBytes = 0

    init() {
        let clock = Instant(milliseconds: Instant.days(fromCivil: 2025, 6, 1) * Instant.millisecondsPerDay)
        windows = HarmWindows(clock: clock)
        let before = Self.heapBytesInUse()
        let revision = CrimeRevision(harmTable: harmTable)
        for index in 0..<Self.crimes {
            let record = randomRecord("CRIS/2025/\(1_000_000 + index)", clock: clock)
            for (entity, link) in revision.links(record) {
                links.append((entity, link))
                windows.apply(.add(entity, link))
            }
        }
        windowBytes = Self.heapBytesInUse() - before - links.capacity * MemoryLayout<(EntityRef, CrimeLink)>.stride
        for list in HarmList.allCases { lists[list] = RankedList(listsZeroScores: list == .stopSearchWards) }
        for ward in wards.wards { lists[.stopSearchWards]!.update(ward.code, score: .zero) }
        publishChanges()
        windowAndListBytes = Self.heapBytesInUse() - before - links.capacity * MemoryLayout<(EntityRef, CrimeLink)>.stride
    }

    func randomRecord(_ crimeRef: String, clock: Instant) -> OffenceRecord {
        // A skewed draw gives the first suspects the most crimes (the busiest about 45), most suspects one or two.
        func suspect() -> String { "S\(Int(Double(Self.suspects) * pow(random.unit(), 1.3)))" }
        let suspectCount = random.below(100) < 80 ? 1 : (random.below(4) == 0 ? 3 : 2)
        var flags: OffenceRecord.Flags = []
        if random.below(100) < 45 { flags.insert(.domestic) }
        if random.below(100) < 10 { flags.insert(.weapon) }
        return OffenceRecord(
            crimeRef: crimeRef, version: 1, offenceCode: Self.codes[random.below(Self.codes.count)],
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
                occurredAt: link.occurredAt, victims: link.victims))
    }

    /// What ScoreService and RankService do after each change: re-rank every changed entity in its lists.
    func publishChanges() {
        for entity in windows.takeChanged() {
            for list in HarmList.lists(of: entity.kind) {
                lists[list]!.update(entity.id, score: windows.standing(of: entity, in: list).score)
            }
        }
    }

    /// Resident memory of the process (Linux `/proc/self/statm`). Deltas include allocator slack and freed
    /// temporaries still held, so they are an upper bound on what the state needs.
    static func heapBytesInUse() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let residentPages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return residentPages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
