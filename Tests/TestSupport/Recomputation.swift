import Shared

/// What the pipeline should make of the lines, worked out without it: versions judged per crime in feed order,
/// the event clock as the latest occurredAt accepted, and the lists recomputed from the latest versions.
public struct Recomputation: Sendable {
    public private(set) var accepted = 0
    public private(set) var duplicates = 0
    public private(set) var stale = 0
    public private(set) var rejections: [Rejection.Reason] = []
    public private(set) var latest: [String: OffenceRecord] = [:]
    public private(set) var clock = Instant(milliseconds: 0)
    public let table: HarmTable
    public let wards: WardRegistry

    public init(_ lines: [String], table: HarmTable, wards: WardRegistry) {
        self.table = table
        self.wards = wards
        let validator = OffenceValidator(harmTable: table, wards: wards, clockMode: .event)
        for line in lines {
            switch validator.validate(Array(line.utf8), receivedAt: .now) {
            case .failure(let rejection):
                rejections.append(rejection.reason)
            case .success(let record):
                guard let stored = latest[record.crimeRef] else {
                    accept(record)
                    continue
                }
                if record.version > stored.version {
                    accept(record)
                } else if record.version < stored.version {
                    stale += 1
                } else if record == stored {
                    duplicates += 1
                } else {
                    rejections.append(.versionConflict)
                }
            }
        }
    }

    private mutating func accept(_ record: OffenceRecord) {
        latest[record.crimeRef] = record
        accepted += 1
        clock = max(clock, record.occurredAt)
    }

    /// Every list as RankService should show it, hotspots ranked by `hotspotModel`.
    public func lists(hotspotModel: LiveHotspots.Model = .blend) -> [HarmList: [BruteForce.Entry]] {
        BruteForce.lists(
            of: latest.values, table: table, wards: wards.wards.map(\.code), at: clock, hotspots: HotspotParameters(),
            hotspotModel: hotspotModel)
    }
}
