import Foundation
import Testing

/// A short seeded chaos run (`harmrank chaos`): a generated year replayed through two instances of every service
/// while instances are killed (some losing their data dirs), brokers go down, requests fail, responses slow and the
/// webhook refuses deliveries for a while. The run's own checks (lists exact, records accounted for, nothing lost,
/// every alert on the topic once and delivered) must all pass; longer runs are made on demand (docs/testing.md).
@Suite(.serialized) struct ChaosTests {
    @Test(.timeLimit(.minutes(12)))
    func aSeededScheduleOfFaultsLeavesTheListsExactAndEveryAlertDeliveredOnce() async throws {
        let base = freePorts(9)
        let chaos = try ChildProcess(
            "harmrank", ["chaos", "--seed", "2", "--minutes", "1.5", "--crimes", "4000", "--http-port", String(base)])
        let status = await chaos.exitStatus(within: .seconds(660))
        if status == nil { chaos.signal(SIGINT) }
        let output = chaos.output
        #expect(status == 0, "\(output.suffix(6000))\n\(chaos.errors.suffix(3000))")
        for fault in ["kill -9", "data dir removed", "down", "up", "requests fail", "late", "fails every delivery"] {
            #expect(output.contains(fault), "the schedule struck no '\(fault)': \(output.prefix(3000))")
        }
        #expect(output.components(separatedBy: "\nchaos: ok ").count - 1 == 8, "\(output.suffix(3000))")
        #expect(output.contains("seed 2: passed"))
    }
}
