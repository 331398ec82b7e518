import Crypto
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Every read of data about a person, every alert action and every change of the configuration that decides who is
/// ranked, appended as one JSON line: who, from which address, what, when (CONTRACT.md section 8). The file is opened for appending only and each line is written whole, so the log is
/// never rewritten; and each line holds the SHA-256 of the line before it (`previous`), so an entry edited, deleted
/// or moved afterwards breaks the chain where it was (`AuditChain.verify`, `harmrank audit verify`).
///
/// The services of one data directory share the file: a line is written under an exclusive lock on it, after
/// reading the line it follows, so the chain runs through every service's entries in the order they were written.
/// Each entry is copied to the `audit` topic too (`AuditCopy`).
public final class AuditLog: Sendable {
    public let path: String
    private let descriptor: Int32
    private let writing = Mutex(())
    private let copy: AuditCopy?

    /// The log at `path`, each entry also sent through `copy` (to the `audit` topic) when one is given.
    public init(path: String, copy: AuditCopy? = nil) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try PrivateFile.create(atPath: path)
        descriptor = open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CocoaError(
                .fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(path): \(String(cString: strerror(errno)))"])
        }
        self.path = path
        self.copy = copy
    }

    deinit { close(descriptor) }

    /// Records that `principal`, calling from `address`, read or did `what` (for example `list vawg100 ranks 1-100`,
    /// `suspect S123`, `alert a1 (acknowledged)`).
    public func record(_ principal: Principal, read what: String, from address: String, at time: Instant = .now) {
        writing.withLock { _ in
            flock(descriptor, LOCK_EX)
            defer { flock(descriptor, LOCK_UN) }
            let line = AuditChain.entry(
                at: time, principal: principal.name, address: address, read: what,
                previous: AuditChain.digest(of: lastLine()))
            let bytes = Array((line + "\n").utf8)
            _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            copy?.copy(Array(line.utf8))
        }
    }

    /// Records that the caller of a request read or did `what`, with the address the request came from.
    public func record(_ context: HarmRankRequestContext, read what: String) {
        record(context.principal, read: what, from: context.clientAddress)
    }

    /// The file's last line without its newline; empty for an empty file.
    private func lastLine() -> String {
        let end = lseek(descriptor, 0, SEEK_END)
        guard end > 0 else { return "" }
        var tail: [UInt8] = []
        var position = end
        // Read back in blocks until a newline before the last one is found.
        while position > 0 {
            let size = min(4_096, Int(position))
            position -= off_t(size)
            var block = [UInt8](repeating: 0, count: size)
            let read = block.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, size, position) }
            guard read == size else { break }
            tail = block + tail
            let body = tail.last == UInt8(ascii: "\n") ? tail.dropLast() : tail[...]
            if let newline = body.lastIndex(of: UInt8(ascii: "\n")) {
                return String(decoding: body[(newline + 1)...], as: UTF8.self)
            }
        }
        let body = tail.last == UInt8(ascii: "\n") ? tail.dropLast() : tail[...]
        return String(decoding: body, as: UTF8.self)
    }
}

/// The audit log's chain of entries: each holds the SHA-256 (hex) of the line before it, the first one of the empty
/// line.
public enum AuditChain {
    /// A problem found in a log.
    public struct Break: Sendable, Equatable, CustomStringConvertible {
        /// One-based.
        public let line: Int
        public let problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    /// The SHA-256 of a line, as the next entry holds it.
    public static func digest(of line: String) -> String {
        SHA256.hash(data: Array(line.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// An entry's line.
    static func entry(at time: Instant, principal: String, address: String, read: String, previous: String) -> String {
        JSONValue.object([
            .init(key: "at", value: .string(time.rfc3339)),
            .init(key: "principal", value: .string(principal)),
            .init(key: "address", value: .string(address)),
            .init(key: "read", value: .string(read)),
            .init(key: "previous", value: .string(previous)),
        ]).text
    }

    /// Walks a log's lines and returns where the chain breaks, if anywhere: an entry edited (the next one no longer
    /// holds its digest), deleted or moved (an entry no longer follows the one whose digest it holds). Lines written
    /// before entries were chained (no `previous`) may only come first.
    public static func verify(_ text: String) -> (entries: Int, break: Break?) {
        var previousLine: String?
        var entries = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            let number = index + 1
            guard let value = try? JSONValue.parse(Array(line.utf8)), case .object = value else {
                return (entries, Break(line: number, problem: "is not a JSON entry: the file was edited here"))
            }
            entries += 1
            guard case .string(let held)? = value["previous"] else {
                if previousLine.map({ (try? JSONValue.parse(Array($0.utf8)))?["previous"] != nil }) ?? false {
                    return (entries, Break(line: number, problem: "has no 'previous' digest, after entries that have: edited"))
                }
                previousLine = String(line)
                continue
            }
            let expected = digest(of: previousLine ?? "")
            guard held == expected else {
                let before = number == 1 ? "the start of the file" : "line \(number - 1)"
                return (
                    entries,
                    Break(
                        line: number,
                        problem: "does not follow \(before): \(number == 1 ? "entries before it were deleted" : "that line was edited, or entries between them deleted or moved")"
                    )
                )
            }
            previousLine = String(line)
        }
        return (entries, nil)
    }
}
