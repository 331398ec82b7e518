/// Why a record was not accepted (CONTRACT.md section 1): the reason code of the dead letter and a detail that
/// names the field and what is wrong with it.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason codes of CONTRACT.md section 1.
    public enum Reason: String, Sendable, Codable, CaseIterable {
        /// Not JSON, or not one object.
        case malformedJSON = "malformed-json"
        /// Larger than `OffenceValidator.maximumBytes`.
        case tooLarge = "too-large"
        /// A field the contract does not name.
        case unknownField = "unknown-field"
        /// A field that would hold a protected characteristic; its value is not kept.
        case protectedCharacteristic = "protected-characteristic"
        /// A required field is absent.
        case missingField = "missing-field"
        /// A field of the wrong type or out of range.
        case invalidValue = "invalid-value"
        /// An offence code the harm table does not have.
        case unknownOffenceCode = "unknown-offence-code"
        /// A ward code the registry does not have.
        case unknownWard = "unknown-ward"
        /// Occurred after the wall clock, beyond the tolerance for clock skew.
        case futureDate = "future-date"
        /// The version already stored, with different content.
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
