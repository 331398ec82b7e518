/// How a partition's stored position relates to the log the broker holds now. Offsets count within one
/// incarnation of a topic: a cluster that is not the one the state was read from, or a log that ends before the
/// stored offset, is another incarnation, and its offsets say nothing about what the state has applied.
public enum LogVerdict: Equatable, Sendable {
    /// The partition has no state yet: it starts at the oldest offset held.
    case noState
    /// The state continues this log at its stored offset.
    case continues(LogPosition)
    /// The same log, but it no longer holds the offsets from the stored one up to its oldest: those messages were
    /// deleted (retention, or the embedded broker's bounded log) before the service read them.
    case missing(Range<Int64>)
    /// Another incarnation of the topic, and why it is taken to be one.
    case anotherLog(reason: String)

    /// Judges `stored` (nil when there is no state) against the log of `cluster` holding the offsets `held`.
    public static func judge(stored: LogPosition?, cluster: String, held: Range<Int64>) -> LogVerdict {
        guard let stored else { return .noState }
        if let built = stored.cluster, built != cluster {
            return .anotherLog(
                reason: "the state was read from cluster '\(built)' and the broker is now cluster '\(cluster)' "
                    + "(stored next offset \(stored.nextOffset), the log now ends at offset \(held.upperBound))")
        }
        if stored.nextOffset > held.upperBound {
            return .anotherLog(
                reason: "the stored next offset \(stored.nextOffset) lies beyond the end of the log, which now ends "
                    + "at offset \(held.upperBound)")
        }
        if stored.nextOffset < held.lowerBound { return .missing(stored.nextOffset..<held.lowerBound) }
        return .continues(stored)
    }
}
