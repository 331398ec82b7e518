import PropertyBased
import Testing

@testable import HarmRankCore
@testable import Shared

@Suite struct RankedListTests {
    /// Random updates, removals and zero scores give exactly a sorted array's order, ranks and pages. Half the
    /// ids share their first eight bytes (as ward codes do), so ties are also settled past the prefix.
    @Test func matchesASortedArray() async {
        await propertyCheck(count: 60, input: Gen.int(in: 0...Int.max), Gen.int(in: 1...400)) { seed, operations in
            var random = SplitMix64(seed: UInt64(seed))
            var list = RankedList()
            var scores: [String: Int64] = [:]
            for _ in 0..<operations {
                let number = random.next() % 60
                let id = number % 2 == 0 ? "E\(number)" : "E0500000\(number)"
                if random.next() % 5 == 0 {
                    list.remove(id)
                    scores[id] = nil
                } else {
                    let score = Int64(random.next() % 6) * 250  // few values, so many ties
                    list.update(id, score: Harm(hundredths: score))
                    scores[id] = score == 0 ? nil : score
                }
            }
            let expected = scores.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.precedesBytewise($1.key) }
            #expect(list.count == expected.count)
            #expect(list.entries(limit: 1_000).map(\.id) == expected.map(\.key))
            for (index, entry) in expected.enumerated() {
                #expect(list.rank(of: entry.key) == index + 1)
            }
            let offset = Int(random.next() % 70)
            let page = expected.indices.dropFirst(offset).prefix(7)
            #expect(list.entries(offset: offset, limit: 7).map(\.id) == page.map { expected[$0].key })
            #expect(list.entries(offset: offset, limit: 7).map(\.rank) == page.map { $0 + 1 })
        }
    }

    @Test func zeroScoresListedWhenAsked() {
        var wards = RankedList(listsZeroScores: true)
        for code in ["W3", "W1", "W2"] { wards.update(code, score: .zero) }
        wards.update("W2", score: Harm(days: 365))
        #expect(wards.entries(limit: 10).map(\.id) == ["W2", "W1", "W3"])
        var suspects = RankedList()
        suspects.update("S1", score: .zero)
        #expect(suspects.count == 0)
    }

    @Test func bytewiseTieOrder() {
        var list = RankedList()
        for id in ["b", "B", "a", "aa", "A-1"] { list.update(id, score: Harm(days: 1)) }
        #expect(list.entries(limit: 10).map(\.id) == ["A-1", "B", "a", "aa", "b"])
    }

    @Test func topDiffReportsEnteredLeftAndMoved() {
        var list = RankedList()
        for (id, days) in [("A", 30), ("B", 20), ("C", 10), ("D", 5)] { list.update(id, score: Harm(days: Int64(days))) }
        let before = list.top(3, version: 1)
        list.update("D", score: Harm(days: 25))  // D enters at 2, C leaves, B moves 2 -> 3
        let after = list.top(3, version: 2)
        let diff = after.diff(from: before)
        #expect(diff.entered == [TopDiff.Entered(id: "D", rank: 2, score: Harm(days: 25))])
        #expect(diff.left == [TopDiff.Left(id: "C", previousRank: 3)])
        #expect(diff.moved == [TopDiff.Moved(id: "B", from: 2, to: 3)])
        #expect(after.diff(from: after).isEmpty)
    }
}
