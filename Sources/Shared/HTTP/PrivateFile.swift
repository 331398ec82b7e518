import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files that hold bearer tokens or say who read what about whom. They are created readable and writable by their
/// owner only from the first byte: writing first and restricting afterwards leaves a moment in which any account on
/// the machine may open them.
public enum PrivateFile {
    /// Creates `path` with mode 0600 holding `contents`, or returns false, changing nothing, when it already exists.
    /// The contents are written under a temporary name and linked into place whole, so a reader never finds the file
    /// half written.
    @discardableResult
    public static func create(atPath path: String, contents: String = "") throws -> Bool {
        let draft = "\(path).\(getpid()).new"
        let descriptor = open(draft, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure(draft, String(cString: strerror(errno))) }
        defer { unlink(draft) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let closed = close(descriptor)
        guard written == bytes.count, closed == 0 else { throw failure(draft, "could not write all of it") }
        if link(draft, path) == 0 { return true }
        if errno == EEXIST { return false }
        throw failure(path, String(cString: strerror(errno)))
    }

    private static func failure(_ path: String, _ reason: String) -> CocoaError {
        CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "\(path): \(reason)"])
    }
}
