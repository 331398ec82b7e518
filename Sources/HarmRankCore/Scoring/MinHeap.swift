/// A binary min-heap: the timeline of expiries and activations, where only the earliest entry is ever needed.
///
/// Hand-written rather than swift-collections' `Heap` (a min-max heap), which made clock advances that expire crimes
/// slower in every interleaved run of ScoringBenchmarks (`Benchmarks/RESULTS.md`).
struct MinHeap<Element: Comparable & Hashable & Sendable>: Sendable {
    private(set) var elements: [Element] = []

    var count: Int { elements.count }
    var minimum: Element? { elements.first }

    mutating func insert(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard elements[child] < elements[parent] else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeMinimum() -> Element? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let minimum = elements.removeLast()
        siftDown(from: 0)
        return minimum
    }

    /// Keeps one of each entry `isLive` accepts, in O(n): clears out entries made stale or repeated by revisions.
    mutating func compact(keeping isLive: (Element) -> Bool) {
        var seen = Set<Element>(minimumCapacity: elements.count)
        elements.removeAll { !isLive($0) || !seen.insert($0).inserted }
        for index in stride(from: elements.count / 2 - 1, through: 0, by: -1) { siftDown(from: index) }
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        let count = elements.count
        while true {
            let left = 2 * parent + 1
            guard left < count else { return }
            var smallest = left
            if left + 1 < count, elements[left + 1] < elements[left] { smallest = left + 1 }
            guard elements[smallest] < elements[parent] else { return }
            elements.swapAt(smallest, parent)
            parent = smallest
        }
    }
}
