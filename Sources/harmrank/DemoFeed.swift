import Foundation
import Logging
import Shared

/// The live synthetic feed of `harmrank up --demo`: a generated year up to now, published at once so the lists
/// have something in them, then a generated day of new crimes, each sent when it is reported (about one every
/// two seconds), so the lists move as one watches.
struct DemoFeed: Sendable {
    let kafka: KafkaConfiguration
    let topic: String
    let logger: Logger

    func run() async throws {
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: logger)
        defer { Task { await producer.close() } }
        let wards = try WardRegistry.shipped()
        let table = try HarmTable.shipped()
        let now = Instant.now

        var history = LondonGenerator.Options(start: now - HarmWindows.windowLength)
        history.crimes = 20_000
        history.badShare = 0.001
        let year = LondonGenerator(options: history, wards: wards, harmTable: table).lines().filter { $0.reportedAt <= now }
        for start in stride(from: 0, to: year.count, by: 2_000) {
            try await producer.send(year[start..<min(start + 2_000, year.count)].flatMap { PublishCommand.messages($0.text, topic: topic) })
        }
        logger.notice("demo feed: \(year.count) records of the past year sent; now a new crime every few seconds")

        var live = LondonGenerator.Options(start: now)
        live.seed = UInt64(now.milliseconds)
        live.days = 1
        live.crimes = 43_200
        live.badShare = 0.002
        for line in LondonGenerator(options: live, wards: wards, harmTable: table).lines() {
            let wait = line.reportedAt.milliseconds - Instant.now.milliseconds
            if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
            try await producer.send(PublishCommand.messages(line.text, topic: topic))
        }
    }
}
