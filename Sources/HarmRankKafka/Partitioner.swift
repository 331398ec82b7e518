/// Chooses a partition from a key exactly as Kafka's default partitioner does (murmur2, as in the Java client and
/// librdkafka's `murmur2` partitioner), so every client that writes an entity's records agrees on its partition.
/// HarmRank co-partitions links by entity with it: each suspect's or ward's window lives in one partition.
public enum Partitioner {
    /// The partition Kafka's default partitioner gives `key` among `partitionCount`.
    public static func partition(forKey key: some Collection<UInt8>, partitionCount: Int32) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return Int32(bitPattern: murmur2(key) & 0x7fff_ffff) % partitionCount
    }

    /// The partition of the UTF-8 bytes of `key`.
    public static func partition(forKey key: String, partitionCount: Int32) -> Int32 {
        partition(forKey: key.utf8, partitionCount: partitionCount)
    }

    /// Kafka's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`): 32-bit, seed 0x9747b28c, little-endian words.
    public static func murmur2(_ data: some Collection<UInt8>) -> UInt32 {
        // Keys are hashed once per message: read them in place rather than copying.
        data.withContiguousStorageIfAvailable(murmur2(bytes:)) ?? Array(data).withUnsafeBufferPointer(murmur2(bytes:))
    }

    private static func murmur2(bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: bytes.count)
        let whole = bytes.count & ~3
        var index = 0
        while index < whole {
            var k = UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16
                | UInt32(bytes[index + 3]) << 24
            k &*= m
            k ^= k >> 24
            k &*= m
            h &*= m
            h ^= k
            index += 4
        }
        let tail = bytes.count & 3
        if tail == 3 { h ^= UInt32(bytes[whole + 2]) << 16 }
        if tail >= 2 { h ^= UInt32(bytes[whole + 1]) << 8 }
        if tail >= 1 {
            h ^= UInt32(bytes[whole])
            h &*= m
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return h
    }
}
