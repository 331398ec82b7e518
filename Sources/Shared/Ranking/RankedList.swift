/// One ranked list (CONTRACT.md section 4) as an order-statistic tree: O(log n) to change an entity's score,
/// to find the rank of any entity and to read entries from any rank, in the order score descending, then id
/// ascending by bytes.
///
/// The tree is a treap whose nodes live in one array and link by index, with the size of every subtree, so the
/// rank of a node is the count of nodes before it on the way down. Node priorities come from a fixed-seed
/// generator: the tree's shape is balanced in expectation, and the order never depends on it.
public struct RankedList: Sendable {
    public struct Entry: Sendable, Hashable {
        /// 1 for the highest score.
        public let rank: Int
        public let id: String
        public let score: Harm
    }

    /// Whether entities with a zero score are listed (`stop-search-wards` lists every ward).
    public let listsZeroScores: Bool

    private var nodes: [Node] = []
    private var freeNodes: [Int32] = []
    private var root: Int32 = -1
    private var nodeByID: [String: Int32] = [:]
    private var random = SplitMix64(seed: 0x4841_524D_5241_4E4B)

    public init(listsZeroScores: Bool = false) { self.listsZeroScores = listsZeroScores }

    /// Entities listed.
    public var count: Int { root < 0 ? 0 : Int(nodes[Int(root)].size) }

    public func score(of id: String) -> Harm? {
        nodeByID[id].map { Harm(hundredths: nodes[Int($0)].score) }
    }

    /// Sets an entity's score; a zero score removes it unless the list shows zeros.
    public mutating func update(_ id: String, score: Harm) {
        if let existing = nodeByID[id] {
            if nodes[Int(existing)].score == score.hundredths { return }
            root = remove(nodes[Int(existing)].key, from: root)
            freeNodes.append(existing)
            nodeByID[id] = nil
        }
        guard score.hundredths != 0 || listsZeroScores else { return }
        let node = Node(score: score.hundredths, id: id, priority: UInt32(truncatingIfNeeded: random.next()))
        let index: Int32
        if let reused = freeNodes.popLast() {
            index = reused
            nodes[Int(index)] = node
        } else {
            index = Int32(nodes.count)
            nodes.append(node)
        }
        nodeByID[id] = index
        root = insert(index, into: root)
    }

    /// Takes an entity off the list whatever its score (an entity that no longer exists).
    public mutating func remove(_ id: String) {
        guard let existing = nodeByID[id] else { return }
        root = remove(nodes[Int(existing)].key, from: root)
        freeNodes.append(existing)
        nodeByID[id] = nil
    }

    /// The 1-based rank of `id`, or nil when it is not listed.
    public func rank(of id: String) -> Int? {
        guard let index = nodeByID[id] else { return nil }
        let key = nodes[Int(index)].key
        var rank = 0
        var current = root
        while current >= 0 {
            let node = nodes[Int(current)]
            if key < node.key {
                current = node.left
            } else {
                rank += Int(size(node.left))
                if node.key == key { return rank + 1 }
                rank += 1
                current = node.right
            }
        }
        return nil
    }

    /// Up to `limit` entries from rank `offset + 1`, in list order.
    public func entries(offset: Int = 0, limit: Int) -> [Entry] {
        var result: [Entry] = []
        guard limit > 0, offset < count else { return result }
        result.reserveCapacity(min(limit, count - offset))
        // Walk down to the first wanted node, keeping the ancestors still to visit, then go on in order.
        var stack: [Int32] = []
        var current = root
        var skip = offset
        while current >= 0 {
            let leftSize = Int(size(nodes[Int(current)].left))
            if skip < leftSize {
                stack.append(current)
                current = nodes[Int(current)].left
            } else if skip == leftSize {
                stack.append(current)
                break
            } else {
                skip -= leftSize + 1
                current = nodes[Int(current)].right
            }
        }
        var rank = offset
        while let top = stack.popLast(), result.count < limit {
            let node = nodes[Int(top)]
            rank += 1
            result.append(Entry(rank: rank, id: node.id, score: Harm(hundredths: node.score)))
            current = node.right
            while current >= 0 {
                stack.append(current)
                current = nodes[Int(current)].left
            }
        }
        return result
    }

    /// The first `size` entries, with a version for snapshots.
    public func top(_ size: Int, version: Int64) -> TopSnapshot {
        TopSnapshot(version: version, entries: entries(limit: size))
    }

    // MARK: Treap

    private struct Node: Sendable {
        var score: Int64
        var id: String
        var priority: UInt32
        var left: Int32 = -1
        var right: Int32 = -1
        var size: Int32 = 1

        var key: RankKey { RankKey(score: score, id: id) }
    }

    private func size(_ index: Int32) -> Int32 { index < 0 ? 0 : nodes[Int(index)].size }

    private mutating func update(_ index: Int32) {
        nodes[Int(index)].size = 1 + size(nodes[Int(index)].left) + size(nodes[Int(index)].right)
    }

    /// Splits the subtree at `index` into the nodes ordered before `key` and the rest.
    private mutating func split(_ index: Int32, at key: RankKey) -> (Int32, Int32) {
        guard index >= 0 else { return (-1, -1) }
        if nodes[Int(index)].key < key {
            let (left, right) = split(nodes[Int(index)].right, at: key)
            nodes[Int(index)].right = left
            update(index)
            return (index, right)
        } else {
            let (left, right) = split(nodes[Int(index)].left, at: key)
            nodes[Int(index)].left = right
            update(index)
            return (left, index)
        }
    }

    /// Joins two subtrees where every node of `left` is ordered before every node of `right`.
    private mutating func merge(_ left: Int32, _ right: Int32) -> Int32 {
        if left < 0 { return right }
        if right < 0 { return left }
        if nodes[Int(left)].priority > nodes[Int(right)].priority {
            nodes[Int(left)].right = merge(nodes[Int(left)].right, right)
            update(left)
            return left
        } else {
            nodes[Int(right)].left = merge(left, nodes[Int(right)].left)
            update(right)
            return right
        }
    }

    private mutating func insert(_ new: Int32, into index: Int32) -> Int32 {
        guard index >= 0 else { return new }
        if nodes[Int(new)].priority > nodes[Int(index)].priority {
            let (left, right) = split(index, at: nodes[Int(new)].key)
            nodes[Int(new)].left = left
            nodes[Int(new)].right = right
            update(new)
            return new
        }
        if nodes[Int(new)].key < nodes[Int(index)].key {
            nodes[Int(index)].left = insert(new, into: nodes[Int(index)].left)
        } else {
            nodes[Int(index)].right = insert(new, into: nodes[Int(index)].right)
        }
        update(index)
        return index
    }

    private mutating func remove(_ key: RankKey, from index: Int32) -> Int32 {
        guard index >= 0 else { return -1 }
        let nodeKey = nodes[Int(index)].key
        if nodeKey == key {
            return merge(nodes[Int(index)].left, nodes[Int(index)].right)
        }
        if key < nodeKey {
            nodes[Int(index)].left = remove(key, from: nodes[Int(index)].left)
        } else {
            nodes[Int(index)].right = remove(key, from: nodes[Int(index)].right)
        }
        update(index)
        return index
    }
}

/// The order of every list: score descending, then id ascending by bytes.
struct RankKey: Comparable {
    let score: Int64
    let id: String

    static func < (a: RankKey, b: RankKey) -> Bool {
        a.score != b.score ? a.score > b.score : a.id.precedesBytewise(b.id)
    }

    static func == (a: RankKey, b: RankKey) -> Bool { a.score == b.score && a.id == b.id }
}

/// SplitMix64: a small, fast generator with a fixed seed, so runs are repeatable.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A whole number in `0..<bound`.
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// A number in `0..<1`.
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
