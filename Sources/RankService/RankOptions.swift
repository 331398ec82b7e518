import ArgumentParser
import HarmRankForecast
import Shared

/// RankService's own flags, each falling back to its `HARMRANK_*` variable.
struct RankOptions: ParsableArguments {
    @Option(help: "Entries each suspect and hotspot list shows and publishes (HARMRANK_LIST_SIZE; default 100).")
    var listSize: String?

    @Option(help: "At most one rankings snapshot per list per this many milliseconds (HARMRANK_PUBLISH_INTERVAL_MS; default 1000).")
    var publishIntervalMs: String?

    @Option(help: "What ranks the hotspots list: 'default' (near-repeat ProMap plus each cell's crimes of the past 365 days, the model evaluate-hotspots judges best) or 'promap' (the contract's ProMap alone) (HARMRANK_HOTSPOT_MODEL; default default).")
    var hotspotModel: String?

    @Option(help: "A model file from 'harmrank forecast train': RankService then lists 'forecast', suspects by the VAWG harm it expects of them over the next 365 days (HARMRANK_FORECAST_MODEL; default none, no forecast list). A file that is missing, damaged or trained with other features stops the start.")
    var forecastModel: String?

    @Option(help: "NotifyService's address as the dashboard's browser reaches it, for the alerts view (HARMRANK_ALERTS_URL; default none; 'harmrank up' sets it).")
    var alertsUrl: String?

    /// The settings these give, checked.
    func resolve(_ source: SettingSource = SettingSource()) throws -> RankSettings {
        RankSettings(
            listSize: try source.wholeNumber(listSize, "--list-size", "HARMRANK_LIST_SIZE") ?? 100,
            publishInterval: .milliseconds(
                try source.wholeNumber(publishIntervalMs, "--publish-interval-ms", "HARMRANK_PUBLISH_INTERVAL_MS") ?? 1000),
            hotspotModel: try hotspotModel(source),
            forecastModel: try forecastModel(source),
            alertsURL: source.value(alertsUrl, "HARMRANK_ALERTS_URL"))
    }

    private func forecastModel(_ source: SettingSource) throws -> ForecastModel? {
        guard let path = source.value(forecastModel, "HARMRANK_FORECAST_MODEL") else { return nil }
        do {
            return try ForecastModel.load(from: path)
        } catch {
            throw ConfigurationError("--forecast-model / HARMRANK_FORECAST_MODEL: \(error)")
        }
    }

    private func hotspotModel(_ source: SettingSource) throws -> LiveHotspots.Model {
        guard let name = source.value(hotspotModel, "HARMRANK_HOTSPOT_MODEL") else { return .blend }
        guard let model = LiveHotspots.Model(rawValue: name) else {
            throw ConfigurationError(
                "--hotspot-model / HARMRANK_HOTSPOT_MODEL '\(name)': use \(LiveHotspots.Model.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        return model
    }
}

/// RankService's own settings.
struct RankSettings {
    var listSize: Int
    var publishInterval: Duration
    var hotspotModel: LiveHotspots.Model
    /// Nil when no model is configured: there is then no `forecast` list.
    var forecastModel: ForecastModel?
    var alertsURL: String?
}
