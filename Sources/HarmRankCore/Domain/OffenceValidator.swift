/// How the clock T is kept (CONTRACT.md section 3).
public enum ClockMode: String, Sendable, CaseIterable, Codable {
    /// T = now; records more than five minutes in the future are refused.
    case wall
    /// T = the largest `occurredAt` accepted so far; for backfills, replays and tests.
    case event
}

/// Turns the bytes of one offence record into an `OffenceRecord` or a `Rejection` (CONTRACT.md section 1).
///
/// Checks run in a fixed order so the same input always gets the same reason: size, JSON syntax, protected
/// characteristics (anywhere, before anything else about the fields), unknown fields, missing fields, values,
/// then the lookups (offence code, ward) and the future-date rule.
public struct OffenceValidator: Sendable {
    /// The largest record accepted, in bytes of JSON.
    public static let maximumBytes = 64 * 1024
    /// The fields a record may have; any other is refused by name.
    public static let fields: Set<String> = [
        "crimeRef", "version", "status", "offenceCode", "occurredAt", "reportedAt", "wardCode", "lat", "lon", "flags",
        "suspects", "victims",
    ]
    /// The most suspects, and the most victims, one record may name.
    public static let maximumPeople = 50
    /// The earliest `occurredAt` accepted.
    public static let earliest = Instant(milliseconds: Instant.days(fromCivil: 1900, 1, 1) * Instant.millisecondsPerDay)

    /// The offence codes accepted, with their harm.
    public let harmTable: HarmTable
    /// The wards accepted, and the area points must lie in.
    public let wards: WardRegistry
    /// Whether records in the future are refused (wall clock) or allowed (event clock).
    public let clockMode: ClockMode
    /// How far in the future a wall-clock record may be (clock skew between a source and HarmRank).
    public var futureTolerance: Int64 = 5 * 60 * 1000

    /// A validator against `harmTable` and `wards`.
    public init(harmTable: HarmTable, wards: WardRegistry, clockMode: ClockMode) {
        self.harmTable = harmTable
        self.wards = wards
        self.clockMode = clockMode
    }

    /// The record in `bytes`, normalised, or the first reason to refuse it.
    public func validate(_ bytes: some Collection<UInt8>, receivedAt: Instant) -> Result<OffenceRecord, Rejection> {
        guard bytes.count <= Self.maximumBytes else {
            return .failure(Rejection(.tooLarge, "the record is \(bytes.count) bytes; the limit is \(Self.maximumBytes)"))
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(bytes)
        } catch {
            return .failure(Rejection(.malformedJSON, error.description))
        }
        return validate(document, receivedAt: receivedAt)
    }

    /// The record in a parsed document, normalised, or the first reason to refuse it.
    public func validate(_ document: JSONValue, receivedAt: Instant) -> Result<OffenceRecord, Rejection> {
        do {
            return .success(try record(from: document, receivedAt: receivedAt))
        } catch {
            return .failure(error)
        }
    }

    private func record(from document: JSONValue, receivedAt: Instant) throws(Rejection) -> OffenceRecord {
        guard case .object(let members) = document else {
            throw Rejection(.malformedJSON, "a record must be one JSON object, not \(document.typeName)")
        }
        if let path = ProtectedCharacteristics.firstProtectedPath(in: document) {
            throw Rejection(
                .protectedCharacteristic,
                "field '\(path)' would carry a protected characteristic or nationality; HarmRank never accepts such data: remove the field at its source")
        }
        if let unknown = members.first(where: { !Self.fields.contains($0.key) }) {
            throw Rejection(
                .unknownField,
                "field '\(unknown.key)' is not part of the record; allowed: \(Self.fields.sorted().joined(separator: ", "))")
        }
        let fields = Fields(members: members)

        let crimeRef = try fields.requiredString("crimeRef")
        try Self.checkIdentifier(crimeRef, field: "crimeRef", allowingSlash: true)
        let version = try fields.requiredInteger("version")
        guard version >= 1 else { throw Rejection(.invalidValue, "version must be 1 or more, got \(version)") }
        let status: OffenceRecord.Status
        switch try fields.optionalString("status") {
        case nil: status = .recorded
        case let text?:
            guard let parsed = OffenceRecord.Status(rawValue: text) else {
                throw Rejection(.invalidValue, "status must be 'recorded' or 'cancelled', got '\(text)'")
            }
            status = parsed
        }
        let offenceCode = status == .recorded ? try fields.requiredString("offenceCode") : try fields.optionalString("offenceCode")
        let occurredAt = try fields.requiredInstant("occurredAt")
        guard occurredAt >= Self.earliest else {
            throw Rejection(.invalidValue, "occurredAt \(occurredAt) is before 1900")
        }
        let reportedAt = try fields.optionalInstant("reportedAt")
        if let reportedAt, reportedAt < occurredAt {
            throw Rejection(.invalidValue, "reportedAt \(reportedAt) is before occurredAt \(occurredAt)")
        }
        let wardCode = try fields.optionalString("wardCode")
        let latitude = try fields.optionalDouble("lat")
        let longitude = try fields.optionalDouble("lon")
        var location: OffenceRecord.Location?
        switch (latitude, longitude) {
        case (nil, nil): break
        case (let latitude?, let longitude?):
            guard wards.bounds.contains(latitude: latitude, longitude: longitude) else {
                let box = wards.bounds
                throw Rejection(
                    .invalidValue,
                    "lat/lon \(latitude), \(longitude) lies outside the ward registry's area plus 5 km (lat \(box.minLatitude.rounded(to: 3))...\(box.maxLatitude.rounded(to: 3)), lon \(box.minLongitude.rounded(to: 3))...\(box.maxLongitude.rounded(to: 3)))")
            }
            location = OffenceRecord.Location(latitude: latitude, longitude: longitude)
        default:
            throw Rejection(.invalidValue, "lat and lon must come together: \(latitude == nil ? "lat" : "lon") is missing")
        }
        var flags: OffenceRecord.Flags = []
        for name in try fields.optionalStrings("flags") {
            guard let flag = OffenceRecord.Flags.names.first(where: { $0.0 == name })?.1 else {
                throw Rejection(.invalidValue, "flags may hold 'domestic' and 'weapon', got '\(name)'")
            }
            guard !flags.contains(flag) else { throw Rejection(.invalidValue, "flags holds '\(name)' twice") }
            flags.insert(flag)
        }
        let suspects = try fields.optionalStrings("suspects")
        let victims = try fields.optionalStrings("victims")
        for (field, people) in [("suspects", suspects), ("victims", victims)] {
            guard people.count <= Self.maximumPeople else {
                throw Rejection(.invalidValue, "\(field) holds \(people.count) ids; at most \(Self.maximumPeople) are allowed")
            }
            for id in people { try Self.checkIdentifier(id, field: field, allowingSlash: false) }
            if let repeated = people.firstRepeated() { throw Rejection(.invalidValue, "\(field) holds '\(repeated)' twice") }
        }

        if let offenceCode, harmTable[offenceCode] == nil {
            throw Rejection(
                .unknownOffenceCode,
                "offenceCode '\(offenceCode)' is not in the harm table; use a Home Office code from the table or load the force's table with --harm-table")
        }
        if let wardCode, wards[wardCode] == nil {
            throw Rejection(.unknownWard, "wardCode '\(wardCode)' is not in the ward registry")
        }
        if clockMode == .wall {
            let latest = receivedAt + futureTolerance
            for (field, instant) in [("occurredAt", occurredAt), ("reportedAt", reportedAt)] {
                if let instant, instant > latest {
                    throw Rejection(
                        .futureDate, "\(field) \(instant) is more than 5 minutes after the time received, \(receivedAt)")
                }
            }
        }
        return OffenceRecord(
            crimeRef: crimeRef, version: version, status: status, offenceCode: offenceCode, occurredAt: occurredAt,
            reportedAt: reportedAt, wardCode: wardCode, location: location, flags: flags, suspects: suspects,
            victims: victims)
    }

    static func checkIdentifier(_ id: String, field: String, allowingSlash: Bool) throws(Rejection) {
        let allowed = allowingSlash ? "A-Za-z0-9/_.:-" : "A-Za-z0-9_.:-"
        guard (1...64).contains(id.utf8.count) else {
            throw Rejection(.invalidValue, "\(field) '\(id.prefix(80))' must be 1-64 characters of \(allowed)")
        }
        for byte in id.utf8 {
            let ok =
                (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
                || (allowingSlash && byte == UInt8(ascii: "/"))
            guard ok else { throw Rejection(.invalidValue, "\(field) '\(id)' must be 1-64 characters of \(allowed)") }
        }
    }
}

/// Typed access to a record's members; a JSON `null` counts as absent.
private struct Fields {
    let members: [JSONValue.Member]

    func value(_ name: String) -> JSONValue? {
        guard let value = members.first(where: { $0.key == name })?.value, value != .null else { return nil }
        return value
    }

    func required(_ name: String) throws(Rejection) -> JSONValue {
        guard let value = value(name) else { throw Rejection(.missingField, "field '\(name)' is required") }
        return value
    }

    func requiredString(_ name: String) throws(Rejection) -> String {
        try string(name, try required(name))
    }

    func optionalString(_ name: String) throws(Rejection) -> String? {
        guard let value = value(name) else { return nil }
        return try string(name, value)
    }

    func string(_ name: String, _ value: JSONValue) throws(Rejection) -> String {
        guard case .string(let text) = value else {
            throw Rejection(.invalidValue, "\(name) must be a string, got \(value.typeName)")
        }
        return text
    }

    func requiredInteger(_ name: String) throws(Rejection) -> Int64 {
        let value = try required(name)
        guard case .number(let literal) = value, let integer = Int64(literal) else {
            throw Rejection(.invalidValue, "\(name) must be a whole number, got \(value.literalForDetail)")
        }
        return integer
    }

    func optionalDouble(_ name: String) throws(Rejection) -> Double? {
        guard let value = value(name) else { return nil }
        guard case .number(let literal) = value, let number = Double(literal), number.isFinite else {
            throw Rejection(.invalidValue, "\(name) must be a number in degrees, got \(value.literalForDetail)")
        }
        return number
    }

    func requiredInstant(_ name: String) throws(Rejection) -> Instant {
        try instant(name, try required(name))
    }

    func optionalInstant(_ name: String) throws(Rejection) -> Instant? {
        guard let value = value(name) else { return nil }
        return try instant(name, value)
    }

    func instant(_ name: String, _ value: JSONValue) throws(Rejection) -> Instant {
        let text = try string(name, value)
        switch Instant.parseRFC3339(text) {
        case .success(let instant): return instant
        case .failure(let error): throw Rejection(.invalidValue, "\(name) '\(text.prefix(80))': \(error.problem)")
        }
    }

    func optionalStrings(_ name: String) throws(Rejection) -> [String] {
        guard let value = value(name) else { return [] }
        guard case .array(let elements) = value else {
            throw Rejection(.invalidValue, "\(name) must be an array of strings, got \(value.typeName)")
        }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                throw Rejection(.invalidValue, "\(name)[\(index)] must be a string, got \(element.typeName)")
            }
            strings.append(text)
        }
        return strings
    }
}

extension JSONValue {
    fileprivate var literalForDetail: String {
        switch self {
        case .number(let literal): literal
        case .string(let text): "the string \"\(text.prefix(40))\""
        case .bool(let flag): "\(flag)"
        default: typeName
        }
    }
}

extension Array where Element: Hashable {
    func firstRepeated() -> Element? {
        var seen = Set<Element>()
        return first { !seen.insert($0).inserted }
    }
}

extension Double {
    fileprivate func rounded(to places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
