import Foundation
import Synchronization

/// Every read of data about a person, appended as one JSON line: who, what, when (CONTRACT.md section 8). The file
/// is opened for appending only, and each line is written whole, so the log is never rewritten.
public final class AuditLog: Sendable {
    public let path: String
    private let file: Mutex<FileHandle>

    public init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PrivateFile.create(atPath: path)
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        self.path = path
        file = Mutex(handle)
    }

    /// Records that `principal` read `what` (for example `list vawg100 offset 0 limit 100`, `suspect S123`).
    public func record(_ principal: Principal, read what: String, at time: Instant = .now) {
        let line = JSONValue.object([
            .init(key: "at", value: .string(time.rfc3339)),
            .init(key: "principal", value: .string(principal.name)),
            .init(key: "read", value: .string(what)),
        ]).text + "\n"
        file.withLock { $0.write(Data(line.utf8)) }
    }
}
