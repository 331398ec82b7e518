import ArgumentParser
import Foundation
import Logging
import Shared

/// `harmrank publish FILE...`: NDJSON offence records onto `offences.raw`, keyed by crimeRef, as a source system
/// would send them. It never outruns IngestService: while the group's lag on the topic is above `--max-lag` per
/// partition it waits, because the development broker silently drops the oldest messages of a full partition.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publishes NDJSON offence records (one per line; '-' reads standard input) onto offences.raw.")

    @Argument(help: "NDJSON files of offence records; '-' for standard input.")
    var files: [String]

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Records sent per awaited batch.")
    var batch = 5_000

    @Option(help: "Wait while IngestService's consumer lag exceeds this many records per partition (0: never wait).")
    var maxLag = 10_000

    @Option(help: "The consumer group whose lag holds publishing back.")
    var group = "harmrank-ingest"

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one NDJSON file, or '-' for standard input") }
        guard batch > 0 else { throw ValidationError("--batch must be positive") }
        guard maxLag >= 0 else { throw ValidationError("--max-lag must be 0 or more") }
    }

    func run() async throws {
        let logger = quietLogging("publish")
        let configuration = try kafka.kafkaConfiguration(clientID: "harmrank-publish")
        let topic = kafka.topics().offencesRaw
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: configuration), logger: logger)
        let administration = try KafkaAdministration(configuration: configuration, logger: logger)
        let started = ContinuousClock.now
        var sent = 0
        var pending: [OutgoingMessage] = []

        func flush() async throws {
            guard !pending.isEmpty else { return }
            if maxLag > 0 {
                try await administration.waitForConsumers(
                    group: group, topics: [topic], maxLagPerPartition: Int64(maxLag), pollInterval: .milliseconds(100))
            }
            try await producer.send(pending)
            sent += pending.count
            pending = []
            let seconds = started.duration(to: .now).inSeconds
            FileHandle.standardError.write(Data("\rpublished \(sent) records (\(Int(Double(sent) / seconds))/s)".utf8))
        }

        for file in files {
            var reader = try LineReader(file)
            while let bytes = reader.next() {
                guard !bytes.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) else { continue }
                pending.append(OutgoingMessage(topic: topic, key: Self.crimeRef(in: bytes), value: bytes))
                if pending.count >= batch { try await flush() }
            }
        }
        try await flush()
        await producer.close()
        FileHandle.standardError.write(Data("\n".utf8))
        print("published \(sent) records to \(topic) in \(started.duration(to: .now))")
    }

    /// The messages of one generated line: its records (a version conflict is two in one line), keyed by crimeRef.
    static func messages(_ text: String, topic: String) -> [OutgoingMessage] {
        text.split(separator: "\n").map { record in
            let bytes = Array(record.utf8)
            return OutgoingMessage(topic: topic, key: crimeRef(in: bytes), value: bytes)
        }
    }

    /// The record's crimeRef as the message key (so every version of a crime goes to one partition, in order);
    /// a record without a readable one is sent with a null key and dead-lettered by IngestService.
    static func crimeRef(in record: [UInt8]) -> [UInt8]? {
        guard case .object(let members) = try? JSONValue.parse(record),
            case .string(let crimeRef)? = members.first(where: { $0.key == "crimeRef" })?.value
        else { return nil }
        return Array(crimeRef.utf8)
    }
}

/// The lines of a file (or standard input, `-`) as bytes, read a megabyte at a time.
struct LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var finished = false

    init(_ file: String) throws {
        if file == "-" {
            handle = .standardInput
        } else {
            guard let handle = FileHandle(forReadingAtPath: file) else {
                throw ValidationError("cannot read '\(file)': no such file, or not readable")
            }
            self.handle = handle
        }
    }

    /// The next line without its newline, or nil at the end.
    mutating func next() -> [UInt8]? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                defer { start = newline + 1 }
                return Array(buffer[start..<newline])
            }
            if finished {
                guard start < buffer.count else { return nil }
                defer { start = buffer.count }
                return Array(buffer[start...])
            }
            buffer.removeFirst(start)
            start = 0
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { finished = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}
