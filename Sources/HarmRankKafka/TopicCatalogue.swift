/// The topics of HarmRank (CONTRACT.md section 7) under a configurable prefix, and how each is created.
public struct TopicCatalogue: Sendable {
    /// Put before every topic name (`harmrank.` by default), so several stacks can share a cluster.
    public var prefix: String

    /// The topics under `prefix`.
    public init(prefix: String = "harmrank.") { self.prefix = prefix }

    /// Input: one offence record per message, key crimeRef. Public and versioned.
    public var offencesRaw: String { prefix + "offences.raw" }
    /// Dead letters: rejected records with reason and detail. Public and versioned.
    public var offencesRejected: String { prefix + "offences.rejected" }
    /// A crime added to or retracted from a suspect, partitioned by suspect.
    public var linksSuspect: String { prefix + "links.suspect" }
    /// A crime added to or retracted from a ward or grid cell, partitioned by place.
    public var linksPlace: String { prefix + "links.place" }
    /// Each suspect's standing after a change, partitioned as its links.
    public var scoresSuspect: String { prefix + "scores.suspect" }
    /// Each ward's and cell's standing after a change, partitioned as its links.
    public var scoresPlace: String { prefix + "scores.place" }
    /// Ranked-list snapshots with diffs, key list name. Public and versioned.
    public var rankings: String { prefix + "rankings" }
    /// Dauntless+ alerts, key suspect. Public and versioned.
    public var alertsDauntless: String { prefix + "alerts.dauntless" }
    /// IngestService's changelog: the latest accepted version of each crime (key crimeRef) and each partition's
    /// progress, partitioned as `offencesRaw`, from which an instance with no state of its own rebuilds a partition.
    public var crimesChangelog: String { prefix + "crimes.changelog" }
    /// NotifyService's changelog: every alert published, each webhook delivery made and each acknowledgement, from
    /// which every replica keeps every alert and a replica with no state of its own rebuilds them.
    public var alertsChangelog: String { prefix + "alerts.changelog" }
    /// Every audit log entry (key: the service that wrote it), a copy of each service's log off its host.
    public var audit: String { prefix + "audit" }

    /// How long `scores.place` keeps a message. A place's score is sent as a change (the crimes added and retracted,
    /// each whole, with the place's new standings), since a ward's whole list of crimes would be a large message at
    /// every crime; compacting by place would keep only the last change and lose the crimes before it. Kept by time
    /// instead: a message is never older than the crimes it adds (a crime is sent once it has occurred), so one
    /// deleted after the window and a month more adds only crimes that have left every window, and a reader that
    /// reads the topic from its oldest message builds every place whole.
    public static let placeScoreRetentionDays = 365 + 31

    /// How long `alerts.dauntless` keeps an alert as sent: long enough for every unit's system to have read it.
    /// NotifyService keeps a closed alert longer than this, or a replica would take a purged alert in again from here.
    public static let sentAlertRetentionDays = 30

    /// Every topic with its partition count and settings. Link topics and `scores.suspect` are compacted by key, so
    /// that on a real cluster they double as changelogs and a retraction (tombstone) erases the personal data it
    /// replaces. `scores.place` is not: see `placeScoreRetentionDays`.
    public func specifications(partitions: Int32 = 12) -> [TopicSpecification] {
        let day = 86_400_000
        let compacted = ["cleanup.policy": "compact"]
        return [
            // Records are kept by IngestService once accepted; the raw topic is transport, kept a week.
            TopicSpecification(name: offencesRaw, partitions: partitions, configs: ["retention.ms": String(7 * day)]),
            // Rejected records hold personal data too: long enough to fix and resend, no longer.
            TopicSpecification(name: offencesRejected, partitions: 1, configs: ["retention.ms": String(30 * day)]),
            TopicSpecification(name: linksSuspect, partitions: partitions, configs: compacted),
            TopicSpecification(name: linksPlace, partitions: partitions, configs: compacted),
            TopicSpecification(name: scoresSuspect, partitions: partitions, configs: compacted),
            TopicSpecification(
                name: scoresPlace, partitions: partitions,
                configs: ["cleanup.policy": "delete", "retention.ms": String(Self.placeScoreRetentionDays * day)]),
            TopicSpecification(name: rankings, partitions: 1, configs: compacted),
            TopicSpecification(
                name: alertsDauntless, partitions: 1, configs: ["retention.ms": String(Self.sentAlertRetentionDays * day)]),
            // Compaction keeps each crime's latest version and the latest progress; a forgotten crime's tombstone
            // erases it.
            TopicSpecification(name: crimesChangelog, partitions: partitions, configs: compacted),
            // One partition, so every replica reads an alert before its deliveries and acknowledgement; each key is
            // one fact that never changes, so compaction removes nothing a rebuild needs.
            TopicSpecification(name: alertsChangelog, partitions: 1, configs: compacted),
            // The evidence of who read what: kept until the force deletes it, as its own policy says.
            TopicSpecification(name: audit, partitions: 1, configs: ["retention.ms": "-1"]),
        ]
    }
}
