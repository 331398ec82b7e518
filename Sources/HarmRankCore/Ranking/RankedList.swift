/// One ranked list (CONTRACT.md section 4) as an order-statistic tree: O(log n) to change an entity's score,
/// to find the rank of any entity and to read entries from any rank, in the order score descending, then id
/// ascending by bytes.
///
/// The tree is a treap whose nodes live in one array and link by index, with the size of every subtree, so the
/// rank of a node is the count of nodes before it on the way down. Node priorities come from a fixed-seed
/// generator: the tree's shape is balanced in expectation, and the order never depends on it.
///
/// Nodes hold no strings, so walking the tree copies plain integers: ties on score (common, since many suspects
/// have one crime of the same code) are settled by the first eight bytes of the id, and only ids that share
/// those compare in full.
public struct RankedList: Sendable {
    /// An entity at its rank.
    public struct Entry: Sendable, Hashable {
        /// 1 for the highest score.
        public let rank: Int
        /// The entity's id.
        public let id: String
        /// Its score in the list.
        public let score: Harm

        /// An entry for `id` at `rank` with `score`.
        public init(rank: Int, id: String, score: Harm) {
            self.rank = rank
            self.id = id
            self.score = score
        }
    }

    /// Whether entities with a zero score are listed (`stop-search-wards` lists every ward).
    public let listsZeroScores: Bool

    private var nodes: [Node] = []
    /// The id of each node, by node index.
    private var ids: [String] = []
    private var freeNodes: [Int32] = []
    private var root: Int32 = -1
    private var nodeByID: [String: Int32] = [:]
    private var random = SplitMix64(seed: 0x4841_524D_5241_4E4B)

    /// An empty list.
    public init(listsZeroScores: Bool = false) { self.listsZeroScores = listsZeroScores }

    /// Entities listed.
    public var count: Int { root < 0 ? 0 : Int(nodes[Int(root)].size) }

    /// The score of `id`, if it is listed.
    public func score(of id: String) -> Harm? {
        nodeByID[id].map { Harm(hundredths: nodes[Int($0)].score) }
    }

    /// Sets an entity's score; a zero score removes it unless the list shows zeros.
    public mutating func update(_ id: String, score: Harm) {
        let listed = score.hundredths != 0 || listsZeroScores
        if let existing = nodeByID[id] {
            if nodes[Int(existing)].score == score.hundredths { return }
            detach(existing)
            guard listed else { return release(existing, id: id) }
            nodes[Int(existing)].score = score.hundredths
            attach(existing)
            return
        }
        guard listed else { return }
        let node = Node(score: score.hundredths, idPrefix: Self.prefix(of: id), priority: UInt32(truncatingIfNeeded: random.next()))
        let index: Int32
        if let reused = freeNodes.popLast() {
            index = reused
            nodes[Int(index)] = node
            ids[Int(index)] = id
        } else {
            index = Int32(nodes.count)
            nodes.append(node)
            ids.append(id)
        }
        nodeByID[id] = index
        attach(index)
    }

    /// Takes an entity off the list whatever its score (an entity that no longer exists).
    public mutating func remove(_ id: String) {
        guard let existing = nodeByID[id] else { return }
        detach(existing)
        release(existing, id: id)
    }

    /// The 1-based rank of `id`, or nil when it is not listed.
    public func rank(of id: String) -> Int? {
        guard let index = nodeByID[id] else { return nil }
        var rank = 0
        var current = root
        while current >= 0 {
            let node = nodes[Int(current)]
            if current != index, precedes(index, current) {
                current = node.left
            } else {
                rank += Int(size(node.left))
                if current == index { return rank + 1 }
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
            result.append(Entry(rank: rank, id: ids[Int(top)], score: Harm(hundredths: node.score)))
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
        /// The id's first eight bytes, big-endian and padded with zeros: compares as the bytes do.
        var idPrefix: UInt64
        var priority: UInt32
        var left: Int32 = -1
        var right: Int32 = -1
        var size: Int32 = 1
    }

    private static func prefix(of id: String) -> UInt64 {
        var prefix: UInt64 = 0
        var shift = 56
        for byte in id.utf8.prefix(8) {
            prefix |= UInt64(byte) << UInt64(shift)
            shift -= 8
        }
        return prefix
    }

    private func size(_ index: Int32) -> Int32 { index < 0 ? 0 : nodes[Int(index)].size }

    private mutating func attach(_ index: Int32) {
        nodes[Int(index)].left = -1
        nodes[Int(index)].right = -1
        nodes[Int(index)].size = 1
        let root = root
        self.root = withTreap { $0.insert(index, into: root) }
    }

    private mutating func detach(_ index: Int32) {
        let root = root
        self.root = withTreap { $0.remove(index, from: root) }
    }

    private mutating func release(_ index: Int32, id: String) {
        freeNodes.append(index)
        nodeByID[id] = nil
    }

    /// The tree's operations run on raw storage: no bounds or uniqueness checks on every step down the tree.
    private mutating func withTreap(_ body: (Treap) -> Int32) -> Int32 {
        ids.withUnsafeBufferPointer { ids in
            nodes.withUnsafeMutableBufferPointer { nodes in body(Treap(nodes: nodes.baseAddress!, ids: ids.baseAddress!)) }
        }
    }

    private func precedes(_ a: Int32, _ b: Int32) -> Bool {
        ids.withUnsafeBufferPointer { ids in
            nodes.withUnsafeBufferPointer { nodes in
                Treap(nodes: UnsafeMutablePointer(mutating: nodes.baseAddress!), ids: ids.baseAddress!).precedes(a, b)
            }
        }
    }

    private struct Treap {
        let nodes: UnsafeMutablePointer<Node>
        let ids: UnsafePointer<String>

        /// Whether node `a` comes before node `b` in list order (they are different nodes, so never equal).
        func precedes(_ a: Int32, _ b: Int32) -> Bool {
            let x = nodes[Int(a)]
            let y = nodes[Int(b)]
            if x.score != y.score { return x.score > y.score }
            if x.idPrefix != y.idPrefix { return x.idPrefix < y.idPrefix }
            return ids[Int(a)].precedesBytewise(ids[Int(b)])
        }

        func size(_ index: Int32) -> Int32 { index < 0 ? 0 : nodes[Int(index)].size }

        func resize(_ index: Int32) {
            nodes[Int(index)].size = 1 + size(nodes[Int(index)].left) + size(nodes[Int(index)].right)
        }

        /// Splits the subtree at `index` into the nodes ordered before node `pivot` and those after it.
        func split(_ index: Int32, at pivot: Int32) -> (Int32, Int32) {
            guard index >= 0 else { return (-1, -1) }
            if precedes(index, pivot) {
                let (left, right) = split(nodes[Int(index)].right, at: pivot)
                nodes[Int(index)].right = left
                resize(index)
                return (index, right)
            } else {
                let (left, right) = split(nodes[Int(index)].left, at: pivot)
                nodes[Int(index)].left = right
                resize(index)
                return (left, index)
            }
        }

        /// Joins two subtrees where every node of `left` is ordered before every node of `right`.
        func merge(_ left: Int32, _ right: Int32) -> Int32 {
            if left < 0 { return right }
            if right < 0 { return left }
            if nodes[Int(left)].priority > nodes[Int(right)].priority {
                nodes[Int(left)].right = merge(nodes[Int(left)].right, right)
                resize(left)
                return left
            } else {
                nodes[Int(right)].left = merge(left, nodes[Int(right)].left)
                resize(right)
                return right
            }
        }

        /// Walks down to where node `new` belongs by priority, splits what is below around it, and returns the
        /// root of the tree.
        func insert(_ new: Int32, into root: Int32) -> Int32 {
            var parent: Int32 = -1
            var wentLeft = false
            var current = root
            while current >= 0, nodes[Int(current)].priority >= nodes[Int(new)].priority {
                nodes[Int(current)].size += 1
                parent = current
                wentLeft = precedes(new, current)
                current = wentLeft ? nodes[Int(current)].left : nodes[Int(current)].right
            }
            (nodes[Int(new)].left, nodes[Int(new)].right) = split(current, at: new)
            resize(new)
            return link(new, below: parent, left: wentLeft, root: root)
        }

        /// Takes node `target` out of the tree at `root`, its children merged in its place; returns the root.
        func remove(_ target: Int32, from root: Int32) -> Int32 {
            var parent: Int32 = -1
            var wentLeft = false
            var current = root
            while current != target {
                nodes[Int(current)].size -= 1
                parent = current
                wentLeft = precedes(target, current)
                current = wentLeft ? nodes[Int(current)].left : nodes[Int(current)].right
            }
            return link(merge(nodes[Int(target)].left, nodes[Int(target)].right), below: parent, left: wentLeft, root: root)
        }

        /// Hangs `child` under `parent` (or makes it the root when there is no parent).
        private func link(_ child: Int32, below parent: Int32, left: Bool, root: Int32) -> Int32 {
            guard parent >= 0 else { return child }
            if left { nodes[Int(parent)].left = child } else { nodes[Int(parent)].right = child }
            return root
        }
    }
}

/// SplitMix64: a small, fast generator with a fixed seed, so runs are repeatable.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator that starts from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next number of the sequence.
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
