import Shared
import Testing

@Suite struct ServiceStatusTests {
    /// A partition assigned behind its log's end holds the instance back until it has read that far; a partition
    /// given away no longer does.
    @Test func anInstanceIsCaughtUpOnceEveryPartitionHasReadWhatItsLogHeldAtAssignment() {
        let status = ServiceStatus()
        let (a, b) = (TopicPartition("scores", 0), TopicPartition("scores", 1))
        #expect(status.isCaughtUp)
        status.catchUp(a, to: 10)
        status.catchUp(b, to: 0)
        status.reached(b, 0)
        status.reached(a, 9)
        #expect(!status.isCaughtUp && status.partitionsCatchingUp == [a: 10])
        status.reached(a, 10)
        #expect(status.isCaughtUp)
        status.catchUp(a, to: 20)
        status.forget(a)
        #expect(status.isCaughtUp, "a partition given away is caught up by its new owner")
    }
}
