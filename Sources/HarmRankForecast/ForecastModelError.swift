/// A forecast model file that cannot be used, named with what is wrong with it and what to do.
public struct ForecastModelError: Error, CustomStringConvertible {
    /// The model file.
    public let file: String
    /// What is wrong.
    public let problem: String

    /// `forecast model FILE: problem`.
    public var description: String { "forecast model \(file): \(problem)" }
}
