import Logging
import ServiceLifecycle
import Shared

/// Deletes alerts closed more than the retention period ago, on every replica by the same rule, and erases their
/// records from `alerts.changelog` (every replica writes the tombstones of what it purged: the same tombstone twice
/// changes nothing). Alerts not yet closed are kept: a person has still to act on them. The period is longer than
/// `alerts.dauntless` keeps its messages (`TopicCatalogue.sentAlertRetentionDays`), from which a replica would
/// otherwise take a purged alert in again.
final class AlertRetention: Service, Sendable {
    /// How often the store is looked at.
    static let interval = Duration.seconds(3_600)

    private let store: AlertStore
    private let changelog: AlertChangelog
    private let days: Int
    private let logger: Logger

    init(store: AlertStore, changelog: AlertChangelog, days: Int, logger: Logger) {
        self.store = store
        self.changelog = changelog
        self.days = days
        self.logger = logger
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.purge(at: .now)
                    try await Task.sleep(for: Self.interval)
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("alert retention: \(error); trying again in a minute")
                    try await Task.sleep(for: .seconds(60))
                }
            }
        }
    }

    /// Purges what was closed before `time` less the period. The tombstones are written after the rows are gone:
    /// a replica stopped between the two has nothing left to purge, and the next purge of any replica whose store
    /// still held the alert writes them.
    func purge(at time: Instant) async throws {
        let keys = try store.purge(closedBefore: time - Instant.days(Int64(days)))
        guard !keys.isEmpty else { return }
        try await changelog.erase(keys)
        logger.notice("alert retention: erased \(keys.count) records of alerts closed more than \(days) days ago")
    }
}
