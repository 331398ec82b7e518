import Shared

/// The lists recomputed from scratch from the surviving crime versions, straight from the contract's words
/// (CONTRACT.md sections 3 and 4), sharing no code with the incremental path but the harm table and the
/// Dauntless+ point bands (which have their own tests).
public enum BruteForce {
    public struct Components: Equatable {
        public let harm: Harm
        public let frequency: Int
        public let gravity: Harm
        public let recencyDays: Int64
        public let victims: Int
        public let rfg: Int

        public init(harm: Harm, frequency: Int, gravity: Harm, recencyDays: Int64, victims: Int, rfg: Int) {
            (self.harm, self.frequency, self.gravity, self.recencyDays, self.victims, self.rfg) =
                (harm, frequency, gravity, recencyDays, victims, rfg)
        }

        public init(_ components: DauntlessComponents) {
            self.init(
                harm: components.harm, frequency: components.frequency, gravity: components.gravity,
                recencyDays: components.recencyDays, victims: components.victims, rfg: components.rfg)
        }
    }

    public struct Entry: Equatable, CustomStringConvertible {
        public let id: String
        public let score: Harm
        public let offences: Int
        public let lastOffenceAt: Instant?
        public let dauntless: Components?

        public init(id: String, score: Harm, offences: Int, lastOffenceAt: Instant?, dauntless: Components?) {
            (self.id, self.score, self.offences, self.lastOffenceAt, self.dauntless) = (id, score, offences, lastOffenceAt, dauntless)
        }

        public var description: String {
            "\(id) \(score) x\(offences) last \(lastOffenceAt?.description ?? "-")\(dauntless.map { " \($0)" } ?? "")"
        }
    }

    /// `hotspots` is left empty unless `hotspots` parameters are given; it ranks by `hotspotModel`.
    public static func lists(
        of records: some Sequence<OffenceRecord>, table: HarmTable, wards: [String], at clock: Instant,
        hotspots: HotspotParameters? = nil, hotspotModel: LiveHotspots.Model = .blend
    ) -> [HarmList: [Entry]] {
        var counting: [HarmList: [String: [(OffenceRecord, HarmOffence)]]] = [:]
        var hotspotRecords: [(cell: GridCell, occurredAt: Instant)] = []
        for record in records where record.status == .recorded {
            let offence = table[record.offenceCode!]!
            let windowStart = clock.milliseconds - 365 * 86_400_000
            guard record.occurredAt.milliseconds > windowStart, record.occurredAt <= clock else { continue }
            let domestic = record.flags.contains(.domestic)
            let violent = ["homicide", "violence-with-injury", "violence-without-injury", "rape", "other-sexual", "robbery-personal"]
                .contains(offence.subgroup.rawValue)
            let weaponViolence = ["homicide", "violence-with-injury", "violence-without-injury"].contains(offence.subgroup.rawValue)
                && record.flags.contains(.weapon)
            for suspect in record.suspects {
                if offence.vawg || domestic { counting[.vawg100, default: [:]][suspect, default: []].append((record, offence)) }
                if violent { counting[.violenceHarm, default: [:]][suspect, default: []].append((record, offence)) }
                if domestic { counting[.dauntless, default: [:]][suspect, default: []].append((record, offence)) }
            }
            if let ward = record.wardCode, weaponViolence || offence.subgroup == .robberyPersonal {
                counting[.stopSearchWards, default: [:]][ward, default: []].append((record, offence))
            }
            if let hotspots, let location = record.location, hotspots.subgroups.contains(offence.subgroup) {
                let cell = hotspots.cell(latitude: location.latitude, longitude: location.longitude)
                counting[.hotspots, default: [:]][hotspots.id(of: cell), default: []].append((record, offence))
                hotspotRecords.append((cell, record.occurredAt))
            }
        }
        let risks = hotspots.map { hotspotRisks(hotspotRecords, at: clock, $0, model: hotspotModel) } ?? [:]
        var result: [HarmList: [Entry]] = [:]
        for list in HarmList.scoredFromCrimes {
            var entries: [Entry] = []
            let byEntity = counting[list] ?? [:]
            let ids =
                switch list {
                case .stopSearchWards: Set(wards).union(byEntity.keys)
                case .hotspots: Set(risks.keys).union(byEntity.keys)
                default: Set(byEntity.keys)
                }
            for id in ids {
                let crimes = byEntity[id] ?? []
                let harm = crimes.reduce(Harm.zero) { $0 + $1.1.harm }
                let last = crimes.map(\.0.occurredAt).max()
                var components: Components?
                var score = harm
                if list == .dauntless, let last {
                    let gravity = crimes.map(\.1.harm).max()!
                    let recency = (clock.milliseconds - last.milliseconds) / 86_400_000
                    let rfg = DauntlessComponents.recencyPoints(days: recency) + DauntlessComponents.frequencyPoints(crimes.count)
                        + DauntlessComponents.gravityPoints(gravity)
                    score = Harm(hundredths: harm.hundredths * Int64(100 + rfg) / 100)
                    components = Components(
                        harm: harm, frequency: crimes.count, gravity: gravity, recencyDays: recency,
                        victims: Set(crimes.flatMap(\.0.victims)).count, rfg: rfg)
                }
                if list == .hotspots { score = risks[id] ?? .zero }
                if score == .zero && list != .stopSearchWards { continue }
                entries.append(Entry(id: id, score: score, offences: crimes.count, lastOffenceAt: last, dauntless: components))
            }
            result[list] = entries.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        }
        return result
    }

    /// Risk of every cell with any, floored to hundredths. ProMap (CONTRACT.md section 6): a sum over records of
    /// 1 / ((1 + d)(1 + t)), added up exactly over the common denominator of every such fraction. The default
    /// model: the same with D reaching 400 m, plus one for each record of the past 365 days in the cell itself.
    public static func hotspotRisks(
        _ records: [(cell: GridCell, occurredAt: Instant)], at clock: Instant, _ parameters: HotspotParameters,
        model: LiveHotspots.Model = .promap
    ) -> [String: Harm] {
        let week: Int64 = 7 * 86_400_000
        let reach = model == .promap ? parameters.distanceBandwidth : 1 + (400 + parameters.cellSize - 1) / parameters.cellSize
        let (distances, weeks) = (Int64(min(16, reach)), Int64(parameters.timeBandwidth))
        func lcm(_ n: Int64) -> Int64 {
            func gcd(_ a: Int64, _ b: Int64) -> Int64 { b == 0 ? a : gcd(b, a % b) }
            return (1...n).reduce(1) { $0 / gcd($0, $1) * $1 }
        }
        let denominator = lcm(distances) * lcm(weeks)
        var risks: [GridCell: Int64] = [:]
        for record in records where record.occurredAt <= clock {
            if model == .blend, clock.milliseconds - record.occurredAt.milliseconds < 365 * 86_400_000 {
                risks[record.cell, default: 0] += denominator
            }
            let t = (clock.milliseconds - record.occurredAt.milliseconds) / week
            guard t < weeks else { continue }
            for dx in -(distances - 1)...(distances - 1) {
                for dy in -(distances - 1)...(distances - 1) {
                    let d = max(abs(dx), abs(dy))
                    let cell = GridCell(x: record.cell.x + Int32(dx), y: record.cell.y + Int32(dy))
                    risks[cell, default: 0] += denominator / ((1 + d) * (1 + t))
                }
            }
        }
        var scores: [String: Harm] = [:]
        for (cell, risk) in risks where risk * 100 / denominator > 0 {
            scores[parameters.id(of: cell)] = Harm(hundredths: risk * 100 / denominator)
        }
        return scores
    }
}
