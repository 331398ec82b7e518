import CKafka
import Shared
import Testing

@Suite struct PartitionerTests {
    /// Expected values from the Java client's own tests of `Utils.murmur2`.
    @Test(arguments: [
        ("21", -973_932_308),
        ("foobar", -790_332_482),
        ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
        ("abc", 479_470_107),
    ])
    func murmur2MatchesTheJavaClient(key: String, expected: Int32) {
        #expect(Int32(bitPattern: Partitioner.murmur2(key.utf8)) == expected)
    }

    @Test func partitionsAgreeWithLibrdkafka() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let key = (0..<Int.random(in: 0...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let count = Int32.random(in: 1...64, using: &generator)
            let ours = Partitioner.partition(forKey: key, partitionCount: count)
            let theirs = key.withUnsafeBytes { rd_kafka_msg_partitioner_murmur2(nil, $0.baseAddress, $0.count, count, nil, nil) }
            #expect(ours == theirs, "key \(key) over \(count) partitions")
        }
    }
}
