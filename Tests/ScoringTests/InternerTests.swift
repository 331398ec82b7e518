import PropertyBased
import Testing

@testable import HarmRankCore
@testable import Shared

@Suite struct InternerTests {
    /// Random retains and releases (enough to grow the table and to empty runs of it) keep exactly the names
    /// with references, each under one id that finds it, as a dictionary of counts says.
    @Test func matchesReferenceCounts() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...Int.max), Gen.int(in: 1...3_000)) { seed, operations in
            var random = SplitMix64(seed: UInt64(seed))
            var interner = Interner<String>()
            var expected: [String: (id: Int32, references: Int)] = [:]
            for _ in 0..<operations {
                let name = "N\(random.below(300))"
                if let held = expected[name], random.below(2) == 0 {
                    interner.release(held.id)
                    expected[name] = held.references == 1 ? nil : (held.id, held.references - 1)
                } else {
                    let id = interner.retain(name)
                    if let held = expected[name] { #expect(id == held.id) }
                    expected[name] = (id, (expected[name]?.references ?? 0) + 1)
                }
            }
            #expect(interner.count == expected.count)
            #expect(Set(expected.values.map(\.id)).count == expected.count, "ids are distinct")
            for index in 0..<300 {
                let name = "N\(index)"
                #expect(interner.id(of: name) == expected[name]?.id, "\(name)")
                if let id = expected[name]?.id { #expect(interner[id] == name) }
            }
        }
    }
}
