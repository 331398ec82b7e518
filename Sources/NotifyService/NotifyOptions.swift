import ArgumentParser
import Foundation
import Shared

/// NotifyService's own flags, each falling back to its `HARMRANK_*` variable.
struct NotifyOptions: ParsableArguments {
    @Option(help: "Harm in days from which a domestic offence by a suspect with another in the window is an escalation (HARMRANK_ESCALATION_DAYS; default 365).")
    var escalationDays: String?

    @Option(help: "Days of clock time before the same alert for the same suspect is raised again (HARMRANK_ALERT_COOLDOWN_DAYS; default 28).")
    var alertCooldownDays: String?

    @Option(help: "On the wall clock, no alert for an offence older than this many days; it still counts in scores (HARMRANK_ALERT_BACKFILL_DAYS; default 30).")
    var alertBackfillDays: String?

    @Option(help: "A suspect entering the top this many of dauntless raises entered-cohort (HARMRANK_COHORT_SIZE; default 100).")
    var cohortSize: String?

    @Option(help: "Days a closed alert is kept after it was closed, then deleted here and erased from alerts.changelog; alerts not yet closed are kept (HARMRANK_ALERT_RETENTION_DAYS; default 365, at least 31).")
    var alertRetentionDays: String?

    @Option(help: "Units file: CSV 'unit,name,boroughs,webhook', boroughs ';'-separated names of the ward registry or *, webhook optional; each alert goes to the units covering the boroughs of the suspect's domestic offences, else to unassigned (HARMRANK_UNITS; default one unit, all, covering everything).")
    var units: String?

    @Option(help: "Webhook URLs every alert is posted to, whatever its units, comma-separated (HARMRANK_WEBHOOKS; default none).")
    var webhooks: String?

    @Option(help: "File holding the key that signs webhook bodies with HMAC-SHA256 (or the key itself in HARMRANK_WEBHOOK_SECRET; default: unsigned, with a warning).")
    var webhookSecretFile: String?

    /// The settings these give, checked.
    func resolve(clockMode: ClockMode, wards: WardRegistry, _ source: SettingSource = SettingSource()) throws -> NotifySettings {
        var rules = AlertRules()
        rules.escalationHarm = Harm(
            days: Int64(try source.wholeNumber(escalationDays, "--escalation-days", "HARMRANK_ESCALATION_DAYS") ?? 365))
        rules.coolDown = Instant.days(
            Int64(try source.wholeNumber(alertCooldownDays, "--alert-cooldown-days", "HARMRANK_ALERT_COOLDOWN_DAYS") ?? 28))
        let backfillDays = try source.wholeNumber(
            alertBackfillDays, "--alert-backfill-days", "HARMRANK_ALERT_BACKFILL_DAYS") ?? 30
        rules.backfillHorizon = clockMode == .wall ? Instant.days(Int64(backfillDays)) : nil
        rules.cohortSize = try source.wholeNumber(cohortSize, "--cohort-size", "HARMRANK_COHORT_SIZE") ?? 100
        let urls = (source.value(webhooks, "HARMRANK_WEBHOOKS") ?? "").split(whereSeparator: { $0 == "," || $0 == " " })
            .map(String.init)
        for url in urls where URL(string: url)?.scheme.map({ $0 == "http" || $0 == "https" }) != true {
            throw ConfigurationError("--webhooks / HARMRANK_WEBHOOKS: '\(url)' is not an http or https URL")
        }
        let unitsFile = source.value(units, "HARMRANK_UNITS")
        let units = try unitsFile.map { path in
            do {
                return try TaskingUnits(contentsOf: path, wards: wards)
            } catch {
                throw ConfigurationError("--units / HARMRANK_UNITS: \(error)")
            }
        }
        let routing = AlertRouting(units: units ?? TaskingUnits(coveringAll: wards), everyAlert: urls)
        return NotifySettings(
            rules: rules, routing: routing,
            webhookSecret: try secret(source),
            // An alert purged while alerts.dauntless still holds it would come back from there.
            retentionDays: try source.wholeNumber(
                alertRetentionDays, "--alert-retention-days", "HARMRANK_ALERT_RETENTION_DAYS",
                atLeast: TopicCatalogue.sentAlertRetentionDays + 1) ?? 365,
            unitsConfiguration: .units(routing.units, source: unitsFile ?? "one unit covering everything"))
    }

    private func secret(_ source: SettingSource) throws -> String? {
        guard let webhookSecretFile else { return source.value(nil, "HARMRANK_WEBHOOK_SECRET") }
        guard let text = try? String(contentsOfFile: webhookSecretFile, encoding: .utf8) else {
            throw ConfigurationError("--webhook-secret-file '\(webhookSecretFile)' cannot be read: give a readable file holding the key")
        }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else {
            throw ConfigurationError("--webhook-secret-file '\(webhookSecretFile)' is empty: put the signing key in it")
        }
        return key
    }
}

/// NotifyService's own settings.
struct NotifySettings {
    var rules: AlertRules
    var routing: AlertRouting
    var webhookSecret: String?
    /// Days a closed alert is kept.
    var retentionDays: Int
    /// The units as the audit log records them.
    var unitsConfiguration: ConfigurationAudit.Item
}
