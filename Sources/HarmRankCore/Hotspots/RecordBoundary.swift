/// When one record of a hotspot model next changes what it counts for; stale once the record is withdrawn or
/// replaced, which its generation tells.
struct RecordBoundary: Comparable, Hashable, Sendable {
    /// Milliseconds since the epoch.
    let at: Int64
    let key: String
    let generation: UInt64

    static func < (lhs: RecordBoundary, rhs: RecordBoundary) -> Bool { (lhs.at, lhs.generation) < (rhs.at, rhs.generation) }
}

extension MinHeap<RecordBoundary> {
    /// The earliest boundary due by `time`, removed; stale ones too, which the caller knows by their generation.
    mutating func removeDue(by time: Instant) -> RecordBoundary? {
        guard let first = minimum, first.at <= time.milliseconds else { return nil }
        return removeMinimum()
    }

    /// Drops stale boundaries once they far outnumber the `records` held, so that records replaced again and again
    /// do not grow the timeline without bound.
    mutating func compact(holding records: Int, isLive: (RecordBoundary) -> Bool) {
        if count > 4 * records + 1024 { compact(keeping: isLive) }
    }
}
