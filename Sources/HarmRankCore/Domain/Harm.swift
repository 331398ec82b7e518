/// CCHI harm in hundredths of a day: 182.25 days is `Harm(hundredths: 18225)`.
///
/// Integer, so sums stay exact after any number of additions and removals (CONTRACT.md section 3).
public struct Harm: Hashable, Comparable, Sendable, AdditiveArithmetic, CustomStringConvertible {
    /// Hundredths of a day.
    public var hundredths: Int64

    /// Harm of `hundredths` hundredths of a day.
    public init(hundredths: Int64) { self.hundredths = hundredths }
    /// Harm of whole `days`.
    public init(days: Int64) { self.hundredths = days * 100 }
    /// Harm of `days` as written in JSON or CSV, to the nearest hundredth.
    public init(roundingDays days: Double) { self.hundredths = Int64((days * 100).rounded()) }

    /// No harm.
    public static let zero = Harm(hundredths: 0)
    /// Less harm orders first.
    public static func < (lhs: Harm, rhs: Harm) -> Bool { lhs.hundredths < rhs.hundredths }
    /// The sum, exact.
    public static func + (lhs: Harm, rhs: Harm) -> Harm { Harm(hundredths: lhs.hundredths + rhs.hundredths) }
    /// The difference, exact.
    public static func - (lhs: Harm, rhs: Harm) -> Harm { Harm(hundredths: lhs.hundredths - rhs.hundredths) }

    /// Days with two decimals, `182.25`; the form of the harm table, the lists and the API.
    public var description: String {
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = hundredths.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// Days as a JSON number for API answers; exact, since every hundredth has a shortest decimal form.
    public var days: Double { Double(hundredths) / 100 }

    /// Parses a non-negative decimal with at most two decimal places (`365`, `7.5`, `182.25`).
    public init?(decimal text: Substring) {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.count <= 12, whole.allSatisfy(\.isASCIIDigit),
            let wholeValue = Int64(whole)
        else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...2).contains(digits.count), digits.allSatisfy(\.isASCIIDigit), let value = Int64(digits) else {
                return nil
            }
            fraction = digits.count == 1 ? value * 10 : value
        }
        self.hundredths = wholeValue * 100 + fraction
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
