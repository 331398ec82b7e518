import Foundation
import Shared

/// What the services left under a data dir, read by `harmrank up` before it starts them, so that it can say
/// whether it resumes state and from how many records.
struct ExistingState {
    /// How IngestService's records ended (accepted, duplicate, stale, rejected), summed over its partitions.
    var outcomes: [String: Int]
    /// The services that have state, by name, with the number of partition files each keeps.
    var partitionFiles: [String: Int]

    /// The records IngestService judged in all.
    var records: Int { outcomes.values.reduce(0, +) }

    /// Reads the state under `dataDirectory`; nil when there is none.
    static func read(in dataDirectory: URL, catalogue: TopicCatalogue) throws -> ExistingState? {
        let stateDirectory = dataDirectory.appendingPathComponent("state", isDirectory: true)
        var state = ExistingState(outcomes: [:], partitionFiles: [:])
        for service in ServiceStack.names.sorted() {
            let directory = stateDirectory.appendingPathComponent(service, isDirectory: true)
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
                .filter { $0.hasSuffix(".sqlite") }
            if !files.isEmpty { state.partitionFiles[service] = files.count }
            guard service == "IngestService" else { continue }
            for file in files {
                let name = file.dropLast(".sqlite".count)
                guard name.hasPrefix(catalogue.offencesRaw + "-"),
                    let partition = Int32(name.dropFirst(catalogue.offencesRaw.count + 1))
                else { continue }
                let database = try PartitionDatabase(
                    directory: directory.path, topic: catalogue.offencesRaw, partition: partition) { _ in }
                state.outcomes.merge(try database.outcomeCounts(), uniquingKeysWith: +)
            }
        }
        return state.partitionFiles.isEmpty ? nil : state
    }

    /// One line for the person starting the stack.
    var summary: String {
        let ended = ["accepted", "duplicate", "stale", "rejected"].map { "\(outcomes[$0] ?? 0) \($0)" }
        let services = partitionFiles.keys.sorted().map { "\($0) \(partitionFiles[$0]!)" }
        return "resuming the existing state: \(records) offence records judged so far (\(ended.joined(separator: ", "))); "
            + "partition state files: \(services.joined(separator: ", "))"
    }
}
