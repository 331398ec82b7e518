/// The top N of a list at one version, as published to `rankings` (CONTRACT.md section 7).
public struct TopSnapshot: Sendable, Hashable {
    /// Rises by one with each snapshot of the list that differs from the one before.
    public let version: Int64
    /// The top N, in rank order.
    public let entries: [RankedList.Entry]

    /// A snapshot of `entries` at `version`.
    public init(version: Int64, entries: [RankedList.Entry]) {
        self.version = version
        self.entries = entries
    }

    /// What changed from `previous` to this snapshot: who entered the top N, who left it, and who moved within it.
    public func diff(from previous: TopSnapshot) -> TopDiff {
        let previousRank = Dictionary(previous.entries.map { ($0.id, $0.rank) }, uniquingKeysWith: min)
        let currentIDs = Set(entries.map(\.id))
        var entered: [TopDiff.Entered] = []
        var moved: [TopDiff.Moved] = []
        for entry in entries {
            if let from = previousRank[entry.id] {
                if from != entry.rank { moved.append(TopDiff.Moved(id: entry.id, from: from, to: entry.rank)) }
            } else {
                entered.append(TopDiff.Entered(id: entry.id, rank: entry.rank, score: entry.score))
            }
        }
        let left = previous.entries.filter { !currentIDs.contains($0.id) }.map {
            TopDiff.Left(id: $0.id, previousRank: $0.rank)
        }
        return TopDiff(entered: entered, left: left, moved: moved)
    }
}

/// The change between two snapshots of a list's top N; each part in rank order (`left` by previous rank).
public struct TopDiff: Sendable, Hashable {
    /// An entity new in the top N.
    public struct Entered: Sendable, Hashable {
        /// The entity's id.
        public let id: String
        /// Its rank now.
        public let rank: Int
        /// Its score now.
        public let score: Harm
    }

    /// An entity no longer in the top N.
    public struct Left: Sendable, Hashable {
        /// The entity's id.
        public let id: String
        /// Its rank in the previous snapshot.
        public let previousRank: Int
    }

    /// An entity whose rank within the top N changed.
    public struct Moved: Sendable, Hashable {
        /// The entity's id.
        public let id: String
        /// Its rank in the previous snapshot.
        public let from: Int
        /// Its rank now.
        public let to: Int
    }

    /// Who entered, in rank order.
    public let entered: [Entered]
    /// Who left, in previous rank order.
    public let left: [Left]
    /// Who moved, in rank order.
    public let moved: [Moved]

    /// Whether nothing changed.
    public var isEmpty: Bool { entered.isEmpty && left.isEmpty && moved.isEmpty }
}
