/// Why a record was not accepted (CONTRACT.md section 1): the reason code of the dead letter and a detail that
/// names the field and what is wrong with it.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason codes of CONTRACT.md section 1.
    public enum Reason: String, Sendable, Codable, CaseIterable {
        case malformedJSON = "malformed-json"
        case tooLarge = "too-large"
        case unknownField = "unknown-field"
        case protectedCharacteristic = "protected-characteristic"
        case missingField = "missing-field"
        case invalidValue = "invalid-value"
        case unknownOffenceCode = "unknown-offence-code"
        case unknownWard = "unknown-ward"
        case futureDate = "future-date"
        case versionConflict = "version-conflict"
    }

    /// The reason code.
    public let reason: Reason
    /// The field and what is wrong with it.
    public let detail: String

    /// A rejection for `reason`, explained by `detail`.
    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// `reason: detail`.
    public var description: String { "\(reason.rawValue): \(detail)" }
}
