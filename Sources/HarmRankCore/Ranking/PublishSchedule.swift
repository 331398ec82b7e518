/// When each changed list is ranked and published. A changed list goes out at once when it has not been published
/// for `interval`, otherwise when that interval is up, so a quiet list moves within moments and a busy one at most
/// once per interval. Nor does ranking a list take more than a tenth of the time while the board keeps changing: a
/// list whose ranking took `t` waits `preparationShare` times `t` before it is ranked again, unless the board has
/// been still for `t` first, which is how the last changes of a backfill go out moments after it ends rather than
/// up to nine rankings' time later.
///
/// Pure: the caller says what changed and what it did, and when.
public struct PublishSchedule: Sendable {
    /// Times on the monotonic clock: publishing follows elapsed time, not the event clock.
    public typealias Instant = ContinuousClock.Instant

    /// A list waits this many times as long as its last ranking took before it is ranked again while the board
    /// keeps changing. Ranking the hotspot list brings every cell whose risk moved into order, milliseconds of work
    /// under a backfill, which at the bench's short interval would take much of RankService's time. Live, a
    /// ranking takes well under a millisecond and only `interval` counts.
    public static let preparationShare = 9

    /// The least time between two publications of one list while it keeps changing.
    public let interval: Duration
    private var pending: Set<HarmList> = []
    private var lastChange: Instant?
    private var published: [HarmList: Instant] = [:]
    private var lastRanking: [HarmList: (ended: Instant, took: Duration)] = [:]

    /// A schedule that publishes a busy list at most once per `interval`.
    public init(interval: Duration) {
        self.interval = interval
    }

    /// The board reported `lists` changed at `now` (an empty set is no change, and does not count as one).
    public mutating func changed(_ lists: Set<HarmList>, at now: Instant) {
        guard !lists.isEmpty else { return }
        pending.formUnion(lists)
        lastChange = now
    }

    /// The changed lists due at `now`, in the lists' own order; they are no longer pending.
    public mutating func takeDue(at now: Instant) -> [HarmList] {
        let due = HarmList.allCases.filter { list in pending.contains(list) && dueAt(list).map { $0 <= now } ?? true }
        pending.subtract(due)
        return due
    }

    /// How long after `now` the next pending list falls due, or nil when none is pending.
    public func untilNextDue(after now: Instant) -> Duration? {
        pending.map { list in dueAt(list).map { now.duration(to: max($0, now)) } ?? .zero }.min()
    }

    /// `lists`, taken as due, did not go out (the send failed): they are pending again.
    public mutating func notPublished(_ lists: some Sequence<HarmList>) {
        pending.formUnion(lists)
    }

    /// `list` was ranked, ending at `now` after `took`.
    public mutating func ranked(_ list: HarmList, took: Duration, at now: Instant) {
        lastRanking[list] = (now, took)
    }

    /// A new snapshot of `list` went out at `now`.
    public mutating func published(_ list: HarmList, at now: Instant) {
        published[list] = now
    }

    /// When `list` may next go out, or nil when at once.
    private func dueAt(_ list: HarmList) -> Instant? {
        var limits: [Instant] = []
        if let published = published[list] { limits.append(published + interval) }
        if let ranking = lastRanking[list] {
            let still = max(lastChange ?? ranking.ended, ranking.ended) + ranking.took
            limits.append(min(ranking.ended + ranking.took * Self.preparationShare, still))
        }
        return limits.max()
    }
}
