import ArgumentParser
import Foundation
import Shared

/// `harmrank forecast`: the study of future VAWG harm (CONTRACT.md section 12), trained and judged on a force's
/// own history.
struct ForecastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "Forecasts future VAWG harm from suspects' recorded offending: train, evaluate against the baselines, explain.",
        discussion: """
            For every suspect with a VAWG offence in the 365 days before a cut-off date, the forecast predicts the \
            probability of any VAWG offence in the next 365 days, of a serious one (harm of 365 days or more), and \
            the expected VAWG harm, from their recorded offending alone: never a protected characteristic, never \
            a place. See docs/forecast.md for what it can and cannot say.
            """,
        subcommands: [ForecastTrainCommand.self, ForecastEvaluateCommand.self, ForecastExplainCommand.self])
}

/// The history a forecast command reads: offence records, and the reference data that gives them harm.
struct ForecastInput: ParsableArguments {
    @Argument(help: "NDJSON offence records (as 'harmrank generate' writes or IngestService accepts); '-' reads standard input.")
    var files: [String] = []

    @OptionGroup var referenceData: ReferenceDataOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one NDJSON file of offence records, or '-' for standard input") }
    }

    /// Every suspect's history, what was read said on standard error.
    func histories() async throws -> ForecastHistories {
        let (harmTable, wards) = try referenceData.load()
        let read = try await OffenceFiles.read(files, harmTable: harmTable, wards: wards)
        FileHandle.standardError.write(Data((read.summary + "\n").utf8))
        let histories = ForecastHistories(records: read.offences, harmTable: harmTable, wards: wards)
        guard let span = histories.span else { throw ConfigurationError("the files hold no recorded crime with a known offence code") }
        FileHandle.standardError.write(Data("crimes from \(span.lowerBound.rfc3339.prefix(10)) to \(span.upperBound.rfc3339.prefix(10)); \(histories.offences.count) suspects\n".utf8))
        return histories
    }

    /// Parses one cut-off for `option`: YYYY-MM-DD (midnight UTC) or an RFC 3339 time.
    static func cutoff(_ text: String, option: String) throws -> Instant {
        let item = text.trimmingCharacters(in: .whitespaces)
        guard case .success(let instant) = Instant.parseRFC3339(item.count == 10 ? item + "T00:00:00Z" : item) else {
            throw ConfigurationError("\(option) '\(item)': use dates as YYYY-MM-DD, several separated by commas")
        }
        return instant
    }

    /// Parses `text` (DATE[,DATE...], each YYYY-MM-DD or an RFC 3339 time) for `option`, and checks that each cut-off
    /// has its next 365 days inside the data, so that no outcome is cut short.
    static func cutoffs(_ text: String, option: String, within histories: ForecastHistories) throws -> [Instant] {
        let cutoffs = try text.split(separator: ",").map { try cutoff(String($0), option: option) }
        guard !cutoffs.isEmpty else { throw ConfigurationError("\(option): give at least one date") }
        guard let span = histories.span else { return cutoffs }
        for cutoff in cutoffs {
            let end = cutoff + Instant.days(365)
            // A day's slack: the last crime of a year rarely falls in its last minutes.
            guard end <= span.upperBound + Instant.days(1) else {
                throw ConfigurationError(
                    "\(option) \(cutoff.rfc3339.prefix(10)): the 365 days after it run past the last crime in the data "
                        + "(\(span.upperBound.rfc3339.prefix(10))), so what suspects did next is not known; use a cut-off "
                        + "no later than \((span.upperBound + Instant.days(1) - Instant.days(365)).rfc3339.prefix(10))")
            }
            if cutoff - Instant.days(ForecastFeatures.lookbackDays) < span.lowerBound {
                FileHandle.standardError.write(Data(
                    "warning: \(option) \(cutoff.rfc3339.prefix(10)) has less than \(ForecastFeatures.lookbackDays) days of history before it (the data starts \(span.lowerBound.rfc3339.prefix(10))): its features are cut short\n".utf8))
            }
        }
        return cutoffs.sorted()
    }
}
