/// The top N of a list at one version, as published to `rankings` (CONTRACT.md section 7).
public struct TopSnapshot: Sendable, Hashable {
    public let version: Int64
    public let entries: [RankedList.Entry]

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
    public struct Entered: Sendable, Hashable {
        public let id: String
        public let rank: Int
        public let score: Harm
    }

    public struct Left: Sendable, Hashable {
        public let id: String
        public let previousRank: Int
    }

    public struct Moved: Sendable, Hashable {
        public let id: String
        public let from: Int
        public let to: Int
    }

    public let entered: [Entered]
    public let left: [Left]
    public let moved: [Moved]

    public var isEmpty: Bool { entered.isEmpty && left.isEmpty && moved.isEmpty }
}
