import Foundation
/// A point in time as whole milliseconds since 1970-01-01T00:00:00Z.
///
/// Windows, expiry and recency are integer arithmetic on these, so a crime leaves a list at exactly the same
/// instant on every machine. RFC 3339 fractions finer than a millisecond are truncated.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    /// The instant `milliseconds` after the Unix epoch.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// A day of 24 hours: HarmRank counts in UTC, without leap seconds.
    public static let millisecondsPerDay: Int64 = 86_400_000

    /// The wall clock, to the millisecond.
    public static var now: Instant { Instant(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))) }

    /// The same instant as a Foundation date.
    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
    /// `days` whole days, in milliseconds.
    public static func days(_ days: Int64) -> Int64 { days * millisecondsPerDay }

    /// Earlier instants order first.
    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.milliseconds < rhs.milliseconds }
    /// The instant `milliseconds` later.
    public static func + (lhs: Instant, milliseconds: Int64) -> Instant { Instant(milliseconds: lhs.milliseconds + milliseconds) }
    /// The instant `milliseconds` earlier.
    public static func - (lhs: Instant, milliseconds: Int64) -> Instant { Instant(milliseconds: lhs.milliseconds - milliseconds) }

    /// Whole days from `earlier` to `self`, rounded down (CONTRACT.md section 4, recency).
    public func wholeDays(since earlier: Instant) -> Int64 {
        (milliseconds - earlier.milliseconds).floorDivided(by: Instant.millisecondsPerDay).quotient
    }

    /// The first instant (UTC) of the calendar month `months` after this instant's month (before, if negative).
    public func monthStart(adding months: Int64 = 0) -> Instant {
        let (year, month, _) = Instant.civil(fromDays: milliseconds.floorDivided(by: Instant.millisecondsPerDay).quotient)
        let (yearShift, monthIndex) = (month - 1 + months).floorDivided(by: 12)
        return Instant(milliseconds: Instant.days(fromCivil: year + yearShift, monthIndex + 1, 1) * Instant.millisecondsPerDay)
    }

    /// RFC 3339 in UTC with milliseconds, for instance `2025-03-01T18:30:00.000Z`.
    public var description: String { rfc3339 }

    /// RFC 3339 in UTC with milliseconds, for instance `2025-03-01T18:30:00.000Z`.
    public var rfc3339: String {
        let (days, millisecondOfDay) = milliseconds.floorDivided(by: Instant.millisecondsPerDay)
        let (year, month, day) = Instant.civil(fromDays: days)
        let seconds = millisecondOfDay / 1000
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):"
            + "\(pad(seconds % 60, 2)).\(pad(millisecondOfDay % 1000, 3))Z"
    }

    /// Parses RFC 3339 with a mandatory offset (`Z` or `±hh:mm`). Returns the problem in words on failure.
    public static func parseRFC3339(_ text: String) -> Result<Instant, TimestampError> {
        Array(text.utf8).withUnsafeBufferPointer { parse($0) }
    }

    /// Why a timestamp could not be read.
    public struct TimestampError: Error, Sendable, Equatable {
        /// The problem, in words.
        public let problem: String
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<Instant, TimestampError> {
        func fail(_ problem: String) -> Result<Instant, TimestampError> { .failure(TimestampError(problem: problem)) }
        var index = 0
        func number(_ width: Int) -> Int64? {
            guard index + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<width {
                let byte = bytes[index]
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
                index += 1
            }
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard index < bytes.count, characters.utf8.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        let shape = "expected RFC 3339 such as 2025-03-01T18:30:00Z or 2025-03-01T18:30:00+01:00"
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            expect("Tt"), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
            let second = number(2)
        else { return fail(shape) }
        var millisecond: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 3 { millisecond = millisecond * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return fail("a '.' must be followed by fractional seconds") }
            for _ in digits..<max(digits, 3) { millisecond *= 10 }
        }
        var offsetMinutes: Int64 = 0
        if expect("Zz") {
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = number(2), expect(":"), let offsetMinute = number(2), offsetHours < 24,
                offsetMinute < 60
            else { return fail("the offset must be Z or ±hh:mm") }
            offsetMinutes = sign * (offsetHours * 60 + offsetMinute)
        } else {
            return fail("a time zone offset (Z or ±hh:mm) is required")
        }
        guard index == bytes.count else { return fail(shape) }
        guard (1...12).contains(month) else { return fail("month \(month) does not exist") }
        guard day >= 1, day <= daysIn(month: month, year: year) else {
            return fail("day \(day) does not exist in \(year)-\(month < 10 ? "0" : "")\(month)")
        }
        guard hour < 24, minute < 60, second < 60 else {
            return fail("time \(hour):\(minute):\(second) is out of range (leap seconds are not accepted)")
        }
        let days = Instant.days(fromCivil: year, month, day)
        let local = ((days * 24 + hour) * 60 + minute) * 60 + second
        return .success(Instant(milliseconds: (local - offsetMinutes * 60) * 1000 + millisecond))
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    public static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    /// Quotient and remainder rounded towards negative infinity, so instants before 1970 format correctly.
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let quotient = self >= 0 ? self / divisor : -((-self + divisor - 1) / divisor)
        return (quotient, self - quotient * divisor)
    }
}

/// Instants travel between services as milliseconds since the epoch.
extension Instant: Codable {
    /// Reads milliseconds since the Unix epoch.
    public init(from decoder: any Decoder) throws { self.init(milliseconds: try decoder.singleValueContainer().decode(Int64.self)) }
    /// Writes milliseconds since the Unix epoch.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(milliseconds)
    }
}
