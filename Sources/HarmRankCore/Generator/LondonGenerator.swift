import Foundation

/// Synthetic London offence records (DESIGN.md section 9), the same for the same seed: the mix of a London year
/// by crime type, VAWG and domestic abuse at their real share, domestic abuse from careers of desistance,
/// persistence and escalation (`DomesticCareers`), harm concentrated in a few repeat perpetrators,
/// multi-suspect crimes, near-repeat burglary, late reports, and the traffic a live feed carries: revisions (reclassified, suspects
/// eliminated or added, cancelled), duplicates, stale versions and a small share of bad records of every kind.
///
/// Records come out in the order a feed would send them (by report time), as NDJSON lines.
public struct LondonGenerator: Sendable {
    /// What to generate.
    public struct Options: Sendable {
        /// The same seed gives the same records.
        public var seed: UInt64 = 1
        /// The first instant crimes occur at.
        public var start: Instant
        /// How many days the crimes occur over.
        public var days: Int = 365
        /// Crimes generated (each yields one record, plus revisions, duplicates and stale repeats).
        public var crimes: Int = 100_000
        /// Share of output lines that are bad records (every rejection reason but future dates, in turn).
        public var badShare: Double = 0.003
        /// Share of records later sent again as a revision.
        public var revisionShare: Double = 0.04
        /// Share of records sent twice, unchanged.
        public var duplicateShare: Double = 0.01
        /// Share of records whose older version is sent again after a newer one.
        public var staleShare: Double = 0.005
        /// Crime numbers count up from here (references are `<number>/<yy>`): give two feeds that run together
        /// different ranges.
        public var firstCrimeNumber = 5_000_000
        /// How burglaries repeat near each other.
        public var nearRepeats = NearRepeats()

        /// The defaults, with crimes from `start` on.
        public init(start: Instant) { self.start = start }
    }

    /// Near-repeat burglary as a self-exciting point process plants it (Mohler et al. 2011): a share of burglaries
    /// follow an earlier one, after an exponentially distributed delay and at a Gaussian displacement; the rest
    /// are background, placed around their ward. A SEPP fitted on the burglaries should find these parameters.
    public struct NearRepeats: Sendable, Equatable {
        /// Share of burglaries that follow an earlier one: the SEPP's θ, crimes triggered per crime.
        public var share = 0.3
        /// Mean delay after the burglary followed, in days: the SEPP's 1/ω.
        public var meanDelayDays = 14.0
        /// Standard deviation of the displacement from it on each axis, in metres: the SEPP's σ.
        public var spreadMetres = 150.0

        /// The defaults: near repeats within weeks and a few hundred metres, as burglary shows them (Bowers,
        /// Johnson & Pease 2004).
        public init() {}
    }

    /// What one line is meant to be, so a test can check what became of it.
    public enum Intent: Sendable, Equatable {
        /// A new crime, or a new version of one: to be accepted.
        case record
        /// A line sent before, again: to be counted as a duplicate.
        case duplicate
        /// An older version after a newer one: to be counted as stale.
        case stale
        /// A bad record: to be refused for this reason.
        case bad(Rejection.Reason)
    }

    /// One NDJSON line of the feed.
    public struct Line: Sendable {
        /// The line, without its newline.
        public let text: String
        /// What the line is meant to be.
        public let intent: Intent
        /// When a feed would send it.
        public let reportedAt: Instant
    }

    /// What it generates.
    public let options: Options
    let wards: WardRegistry
    let offences: [(code: String, weight: Double)]
    let domesticOffences: [(code: String, weight: Double)]
    /// What most domestic abusers are reported for, once: offences of 10 days' harm or less.
    let minorDomesticOffences: [(code: String, weight: Double)]

    /// A generator of crimes in `wards`, of offences in `harmTable`.
    public init(options: Options, wards: WardRegistry, harmTable: HarmTable) {
        self.options = options
        self.wards = wards
        // Shares of recorded crime in London by type (rounded from published Met figures), keyed by code.
        let mix: [(String, Double)] = [
            ("49", 22), ("46", 7), ("45", 6), ("48", 3), ("126", 1), ("39", 4), ("44", 2), ("58A", 2), ("58C", 3),
            ("58D", 2), ("28E", 5), ("28F", 1), ("30C", 2), ("34B", 3), ("34A", 0.3), ("105A", 8), ("8N", 6), ("8F", 0.6),
            ("5D", 0.3), ("3B", 1.5), ("8L", 1.2), ("8R", 3), ("8Q", 0.4), ("8U", 0.3), ("20A", 0.8), ("88E", 0.3),
            ("19C", 0.4), ("19D", 0.1), ("9A", 3), ("92E", 2.5), ("92D", 1), ("92A", 0.7), ("10C", 1), ("10D", 0.2), ("56B", 0.4),
            ("56A", 0.1), ("1", 0.01), ("2", 0.02), ("33", 0.2),
        ]
        offences = mix.filter { harmTable[$0.0] != nil }.map { (code: $0.0, weight: $0.1) }
        let domestic: [(String, Double)] = [
            ("105A", 30), ("8N", 18), ("8U", 10), ("8L", 10), ("8Q", 5), ("3B", 5), ("58A", 6), ("8R", 6), ("20A", 2),
            ("19C", 2), ("8F", 1), ("5D", 0.5), ("2", 0.05), ("1", 0.01),
        ]
        domesticOffences = domestic.filter { harmTable[$0.0] != nil }.map { (code: $0.0, weight: $0.1) }
        minorDomesticOffences = domesticOffences.filter { (harmTable[$0.code]?.harm ?? .zero) <= Harm(days: 10) }
    }

    /// Every line, in feed order.
    public func lines() -> [Line] {
        var random = SplitMix64(seed: options.seed)
        let wardWeights = wards.wards.map { _ in 0.2 + 4 * pow3(random.unit()) }
        let wardPicker = WeightedPicker(wardWeights)
        let offencePicker = WeightedPicker(offences.map(\.weight))
        var careers = DomesticCareers(
            seed: options.seed, start: options.start.milliseconds, span: Instant.days(Int64(options.days)),
            minor: minorDomesticOffences, serious: domesticOffences.filter { code, _ in !minorDomesticOffences.contains { $0.code == code } })
        let generalPool = max(100, options.crimes / 6)
        let span = Instant.days(Int64(options.days))

        var timed: [(reportedAt: Int64, order: Int, line: Line)] = []
        func emit(_ text: String, _ intent: Intent, at time: Int64) {
            timed.append((time, timed.count, Line(text: text, intent: intent, reportedAt: Instant(milliseconds: time))))
        }
        let year = Self.twoDigitYear(options.start)
        // Homes near a burgled one run a raised risk for a few weeks (the near-repeat pattern ProMap predicts).
        var burglaries: [(occurred: Int64, latitude: Double, longitude: Double)] = []
        let nearRepeats = options.nearRepeats
        func normal() -> Double { (-2 * log(max(random.unit(), 1e-300))).squareRoot() * cos(2 * .pi * random.unit()) }
        for index in 0..<options.crimes {
            var occurred = options.start.milliseconds + Int64(random.unit() * Double(span))
            let domestic = random.unit() < 0.065
            var ward = wards.wards[wardPicker.pick(&random)]
            var suspects: [String] = []
            var victims: [String] = []
            var code: String
            if domestic {
                // Careers decide who offends, when and how gravely; the place is the perpetrator's home ward but
                // for one offence in five, drawn afterwards so that it plays no part in the career.
                let offence = careers.next()
                occurred = offence.occurredAt
                code = offence.code
                suspects.append("DA\(offence.perpetrator)")
                victims.append("VA\(offence.perpetrator)" + (offence.victim > 0 ? "-\(offence.victim)" : ""))
                if random.unit() < 0.8 {
                    var home = SplitMix64(seed: options.seed ^ (UInt64(offence.perpetrator) &* 0x9E37_79B9_7F4A_7C15))
                    ward = wards.wards[wardPicker.pick(&home)]
                }
            } else {
                code = offences[offencePicker.pick(&random)].code
                if random.unit() < 0.35 {
                    suspects.append("P\(Int(Double(generalPool) * pow3(random.unit())))")
                    if random.unit() < 0.1 { suspects.append("P\(random.below(generalPool))") }
                    if random.unit() < 0.5 { victims.append("V\(random.below(generalPool * 3))") }
                }
            }
            var latitude = ward.latitude + (random.unit() - 0.5) * 0.007
            var longitude = ward.longitude + (random.unit() - 0.5) * 0.011
            if Self.burglaryCodes.contains(code) {
                // The burglary followed is any earlier one generated: crimes are generated in no order of time,
                // so it is a uniform choice over the period. A follower that would fall after the period is
                // background instead, so no burglaries pile up on its last day.
                if !burglaries.isEmpty, random.unit() < nearRepeats.share {
                    let source = burglaries[random.below(burglaries.count)]
                    let delay = -log(max(random.unit(), 1e-300)) * nearRepeats.meanDelayDays * Double(Instant.millisecondsPerDay)
                    if source.occurred + Int64(delay) < options.start.milliseconds + span {
                        occurred = source.occurred + Int64(delay)
                        latitude = source.latitude + normal() * nearRepeats.spreadMetres / Self.metresPerDegreeOfLatitude
                        longitude = source.longitude + normal() * nearRepeats.spreadMetres
                            / (Self.metresPerDegreeOfLatitude * cos(source.latitude * .pi / 180))
                    }
                }
                burglaries.append((occurred, latitude, longitude))
            }
            let weapon = !domestic && Self.weaponCodes.contains(code) && random.unit() < 0.3
            let delay: Int64 = random.unit() < 0.05 ? Int64(random.below(60)) * Instant.millisecondsPerDay : Int64(random.below(36 * 3_600_000))
            let crime = Crime(
                crimeRef: "\(options.firstCrimeNumber + index)/\(Self.twoDigitYear(Instant(milliseconds: occurred)))", version: 1, code: code, occurredAt: occurred,
                reportedAt: occurred + delay, ward: ward, latitude: latitude, longitude: longitude,
                domestic: domestic, weapon: weapon, suspects: Array(Set(suspects)).sorted(), victims: victims)
            emit(crime.json, .record, at: crime.reportedAt)
            if random.unit() < options.duplicateShare { emit(crime.json, .duplicate, at: crime.reportedAt + 60_000) }
            guard random.unit() < options.revisionShare else { continue }
            var revised = crime
            revised.version = 2
            switch random.below(4) {
            case 0: revised.code = offences[offencePicker.pick(&random)].code
            case 1 where !revised.suspects.isEmpty: revised.suspects.removeLast()
            case 2: revised.suspects.append("P\(random.below(generalPool))")
            default: revised.cancelled = true
            }
            let revisedAt = crime.reportedAt + Int64(1 + random.below(20)) * Instant.millisecondsPerDay
            emit(revised.json, .record, at: revisedAt)
            if random.unit() < options.staleShare / options.revisionShare {
                emit(crime.json, .stale, at: revisedAt + 3_600_000)
            }
        }
        let badEvery = options.badShare > 0 ? max(1, Int(1 / options.badShare)) : Int.max
        let reasons: [Rejection.Reason] = Rejection.Reason.allCases.filter { $0 != .futureDate }
        var badCount = 0
        for index in stride(from: 0, to: timed.count, by: badEvery) where index > 0 {
            let reason = reasons[badCount % reasons.count]
            emit(badRecord(reason, number: badCount, year: year), .bad(reason), at: timed[index].reportedAt)
            badCount += 1
        }
        return timed.sorted { ($0.reportedAt, $0.order) < ($1.reportedAt, $1.order) }.map(\.line)
    }

    static let burglaryCodes: Set<String> = ["28E", "28F"]
    /// Metres in a degree of latitude (on the WGS84 ellipsoid at London's latitude, to a few metres).
    static let metresPerDegreeOfLatitude = 111_260.0

    /// Offences where a weapon flag means something: violence and robbery.
    static let weaponCodes: Set<String> = ["105A", "8N", "8F", "5D", "3B", "34B", "34A", "2", "1"]

    /// CRIS-style references end in the two-digit year.
    static func twoDigitYear(_ instant: Instant) -> String { String(instant.rfc3339.dropFirst(2).prefix(2)) }

    private func badRecord(_ reason: Rejection.Reason, number: Int, year: String) -> String {
        let ref = "\"crimeRef\":\"9\(String(100_000 + number))/\(year)\""
        let time = "\"occurredAt\":\"\(options.start.rfc3339)\""
        switch reason {
        case .malformedJSON: return "{\(ref),\"version\":1,"
        case .tooLarge: return "{\(ref),\"version\":1,\"offenceCode\":\"49\",\(time),\"wardCode\":\"\(String(repeating: "E", count: 70_000))\"}"
        case .unknownField: return "{\(ref),\"version\":1,\"offenceCode\":\"49\",\(time),\"colour\":\"red\"}"
        case .protectedCharacteristic: return "{\(ref),\"version\":1,\"offenceCode\":\"49\",\(time),\"ethnicity\":\"W1\"}"
        case .missingField: return "{\(ref),\"offenceCode\":\"49\",\(time)}"
        case .invalidValue: return "{\(ref),\"version\":0,\"offenceCode\":\"49\",\(time)}"
        case .unknownOffenceCode: return "{\(ref),\"version\":1,\"offenceCode\":\"ZZ9\",\(time)}"
        case .unknownWard: return "{\(ref),\"version\":1,\"offenceCode\":\"49\",\(time),\"wardCode\":\"E05999999\"}"
        case .futureDate: return "{\(ref),\"version\":1,\"offenceCode\":\"49\",\"occurredAt\":\"2999-01-01T00:00:00Z\"}"
        case .versionConflict:
            // The bad crime's first version is a good record; the conflicting one follows it.
            return "{\(ref),\"version\":1,\"offenceCode\":\"49\",\(time)}\n{\(ref),\"version\":1,\"offenceCode\":\"46\",\(time)}"
        }
    }

    private struct Crime {
        var crimeRef: String
        var version: Int
        var code: String
        var occurredAt: Int64
        var reportedAt: Int64
        var ward: Ward
        /// Within about 400 m of the ward's label point, or near the burglary a near repeat follows.
        var latitude: Double
        var longitude: Double
        var domestic: Bool
        var weapon: Bool
        var suspects: [String]
        var victims: [String]
        var cancelled = false

        var json: String {
            var members: [JSONValue.Member] = [
                .init(key: "crimeRef", value: .string(crimeRef)),
                .init(key: "version", value: .number(String(version))),
            ]
            if cancelled { members.append(.init(key: "status", value: .string("cancelled"))) }
            members.append(.init(key: "offenceCode", value: .string(code)))
            members.append(.init(key: "occurredAt", value: .string(Instant(milliseconds: occurredAt).rfc3339)))
            members.append(.init(key: "reportedAt", value: .string(Instant(milliseconds: reportedAt).rfc3339)))
            members.append(.init(key: "wardCode", value: .string(ward.code)))
            members.append(.init(key: "lat", value: .number(String(format4(latitude)))))
            members.append(.init(key: "lon", value: .number(String(format4(longitude)))))
            let flags = (domestic ? ["domestic"] : []) + (weapon ? ["weapon"] : [])
            if !flags.isEmpty { members.append(.init(key: "flags", value: .array(flags.map { .string($0) }))) }
            if !suspects.isEmpty { members.append(.init(key: "suspects", value: .array(suspects.map { .string($0) }))) }
            if !victims.isEmpty { members.append(.init(key: "victims", value: .array(victims.map { .string($0) }))) }
            return JSONValue.object(members).text
        }
    }
}

private func pow3(_ x: Double) -> Double { x * x * x }

/// Rounds to four decimal places (about 10 m) as text.
private func format4(_ value: Double) -> String {
    let scaled = (value * 10_000).rounded()
    let sign = scaled < 0 ? "-" : ""
    let magnitude = Int(abs(scaled))
    let fraction = String(magnitude % 10_000)
    return "\(sign)\(magnitude / 10_000).\(String(repeating: "0", count: 4 - fraction.count))\(fraction)"
}

/// Draws indexes in proportion to their weights, by binary search over the running totals.
struct WeightedPicker {
    private let totals: [Double]

    init(_ weights: [Double]) {
        var running = 0.0
        totals = weights.map { running += $0; return running }
    }

    func pick(_ random: inout SplitMix64) -> Int {
        let target = random.unit() * totals.last!
        var low = 0
        var high = totals.count - 1
        while low < high {
            let middle = (low + high) / 2
            if totals[middle] > target { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
