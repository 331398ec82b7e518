/// Why a record was not accepted (CONTRACT.md section 1): the reason code of the dead letter and a detail that
/// names the field and what is wrong with it.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
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

    public let reason: Reason
    public let detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
