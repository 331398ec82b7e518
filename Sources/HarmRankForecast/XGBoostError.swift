import CXGBoost

/// A call into XGBoost failed: what HarmRank asked for and what XGBoost said.
public struct XGBoostError: Error, CustomStringConvertible {
    /// What was being done.
    public let operation: String
    /// XGBoost's own message.
    public let message: String

    /// What failed and why, in one line.
    public var description: String { "XGBoost could not \(operation): \(message)" }

    /// Throws with XGBoost's last error when `status` is not 0.
    static func check(_ status: Int32, _ operation: @autoclosure () -> String) throws(XGBoostError) {
        guard status != 0 else { return }
        throw XGBoostError(operation: operation(), message: XGBGetLastError().map { String(cString: $0) } ?? "no message")
    }
}
